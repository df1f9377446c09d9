//! Web Mercator on integers.
//!
//! Every point is projected once to `u32` world coordinates covering the
//! whole Mercator square (about 1 cm at the equator). Integer coordinates make
//! cell membership a shift and make the sums behind cluster centroids exact,
//! so the index does not depend on the order points arrived in.

use std::f64::consts::PI;

/// Largest latitude Web Mercator can show (the square's edge).
pub const MAX_LAT: f64 = 85.051_128_779_806_59;

const WORLD: f64 = 4_294_967_296.0; // 2^32

/// Projects a longitude to a world x coordinate (0 at 180°W).
#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "`as` saturates: the edges of the square, never a wrapped value"
)]
pub fn x_of(lon: f64) -> u32 {
    let lon = wrap_lon(lon);
    // `as` saturates, so 180°E and NaN land on the edges instead of wrapping.
    ((lon + 180.0) / 360.0 * WORLD).floor() as u32
}

/// Projects a latitude to a world y coordinate (0 at the north edge).
#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "`as` saturates: the edges of the square, never a wrapped value"
)]
pub fn y_of(lat: f64) -> u32 {
    let lat = lat.clamp(-MAX_LAT, MAX_LAT);
    let s = lat.to_radians().sin();
    let y = 0.5 - 0.25 * ((1.0 + s) / (1.0 - s)).ln() / PI;
    (y * WORLD).floor() as u32
}

/// Longitude of a (fractional) world x coordinate.
pub fn lon_of(x: f64) -> f64 {
    x / WORLD * 360.0 - 180.0
}

/// Latitude of a (fractional) world y coordinate.
pub fn lat_of(y: f64) -> f64 {
    (PI * (1.0 - 2.0 * y / WORLD)).sinh().atan().to_degrees()
}

/// Brings a longitude into [-180, 180]; 180 itself stays 180.
pub fn wrap_lon(lon: f64) -> f64 {
    if (-180.0..=180.0).contains(&lon) {
        lon
    } else {
        (lon + 180.0).rem_euclid(360.0) - 180.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_is_within_a_centimetre() {
        for &(lon, lat) in &[(35.22, 31.78), (-179.9, -60.0), (0.0, 0.0), (179.99, 85.0)] {
            let (x, y) = (x_of(lon), y_of(lat));
            assert!((lon_of(f64::from(x)) - lon).abs() < 1e-6);
            assert!((lat_of(f64::from(y)) - lat).abs() < 1e-6);
        }
    }

    #[test]
    fn edges_saturate() {
        assert_eq!(x_of(-180.0), 0);
        assert_eq!(x_of(180.0), u32::MAX);
        assert_eq!(y_of(90.0), 0);
        assert_eq!(y_of(-90.0), u32::MAX);
        assert_eq!(wrap_lon(190.0), -170.0);
    }
}
