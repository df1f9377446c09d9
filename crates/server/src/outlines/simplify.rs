//! Douglas–Peucker simplification of a closed ring: a world tile needs a
//! point every few kilometres, not the thousands 1:10m coasts have.

use super::topo::Ring;

/// `ring` with the points that lie within `tolerance` (degrees) of the
/// line through their kept neighbours removed; the first and last point
/// (the same, for a closed ring) are always kept.
pub fn ring(ring: &Ring, tolerance: f64) -> Ring {
    if ring.len() < 3 {
        return ring.clone();
    }
    let mut keep = vec![false; ring.len()];
    keep[0] = true;
    keep[ring.len() - 1] = true;
    // a closed ring's ends coincide: split it at its farthest point first
    let far = farthest(ring, 0, ring.len() - 1).map_or(ring.len() / 2, |(i, _)| i);
    keep[far] = true;
    let mut stack = vec![(0, far), (far, ring.len() - 1)];
    while let Some((a, b)) = stack.pop() {
        if let Some((i, d)) = farthest(ring, a, b)
            && d > tolerance
        {
            keep[i] = true;
            stack.push((a, i));
            stack.push((i, b));
        }
    }
    ring.iter()
        .zip(keep)
        .filter_map(|(p, k)| k.then_some(*p))
        .collect()
}

/// The point strictly between `a` and `b` farthest from the segment
/// `a`–`b`, with its distance.
fn farthest(ring: &Ring, a: usize, b: usize) -> Option<(usize, f64)> {
    let (p, q) = (ring[a], ring[b]);
    (a + 1..b)
        .map(|i| (i, distance(ring[i], p, q)))
        .max_by(|x, y| x.1.total_cmp(&y.1))
}

/// The distance from `r` to the segment `p`–`q`.
fn distance(r: [f64; 2], p: [f64; 2], q: [f64; 2]) -> f64 {
    let (dx, dy) = (q[0] - p[0], q[1] - p[1]);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 {
        0.0
    } else {
        (((r[0] - p[0]) * dx + (r[1] - p[1]) * dy) / len2).clamp(0.0, 1.0)
    };
    let (x, y) = (p[0] + t * dx - r[0], p[1] + t * dy - r[1]);
    (x * x + y * y).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_on_a_line_go_and_corners_stay() {
        // a square with a point in the middle of each side, one bent out
        let square = vec![
            [0.0, 0.0],
            [1.0, 0.0],
            [2.0, 0.0],
            [2.0, 1.0],
            [2.0, 2.0],
            [1.0, 2.3],
            [0.0, 2.0],
            [0.0, 1.0],
            [0.0, 0.0],
        ];
        let out = ring(&square, 0.1);
        assert_eq!(
            out,
            vec![
                [0.0, 0.0],
                [2.0, 0.0],
                [2.0, 2.0],
                [1.0, 2.3],
                [0.0, 2.0],
                [0.0, 0.0]
            ]
        );
        // with a coarser tolerance the bend goes too
        assert_eq!(ring(&square, 0.5).len(), 5);
    }
}
