//! Reads the country polygons of a TopoJSON topology (the format of npm's
//! `world-atlas`, Natural Earth's countries): arcs shared between
//! neighbours, quantized and delta-encoded, which polygons name by index
//! (`~i` for arc `i` reversed).
//!
//! Why not the `topojson` crate: it has had no release since 2022 and
//! converts through an old `geojson`; decoding the few polygons here into
//! plain rings is the whole of what the map needs.

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use serde::Deserialize;

/// A ring of `[lon, lat]` points, the first repeated as the last.
pub type Ring = Vec<[f64; 2]>;

#[derive(Deserialize)]
struct Topology {
    #[serde(rename = "type")]
    kind: String,
    objects: BTreeMap<String, Collection>,
    arcs: Vec<Vec<[f64; 2]>>,
    transform: Option<Transform>,
}

#[derive(Deserialize)]
struct Transform {
    scale: [f64; 2],
    translate: [f64; 2],
}

#[derive(Deserialize)]
struct Collection {
    #[serde(default)]
    geometries: Vec<Geometry>,
}

/// A geometry: a polygon's rings, or a multipolygon's polygons' rings, as
/// arc indexes; any other (or none: `"type": null`) is skipped.
#[derive(Deserialize)]
struct Geometry {
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    arcs: serde_json::Value,
}

impl Geometry {
    /// Its polygons, each a list of rings.
    fn polygons(&self) -> anyhow::Result<Vec<Vec<Vec<i64>>>> {
        let arcs = self.arcs.clone();
        Ok(match self.kind.as_deref() {
            Some("Polygon") => vec![serde_json::from_value(arcs).context("a polygon's arcs")?],
            Some("MultiPolygon") => {
                serde_json::from_value(arcs).context("a multipolygon's arcs")?
            }
            _ => Vec::new(),
        })
    }
}

/// Every ring (outer and inner alike) of every polygon in `object` of the
/// topology in `json`, in degrees. Fails with what is wrong when the text
/// is no topology, has no such object or names an arc it does not have.
pub fn rings(json: &str, object: &str) -> anyhow::Result<Vec<Vec<Ring>>> {
    let topo: Topology = serde_json::from_str(json).context("not a TopoJSON topology")?;
    if topo.kind != "Topology" {
        bail!("not a TopoJSON topology (type {:?})", topo.kind);
    }
    let arcs = decode_arcs(&topo);
    let collection = topo
        .objects
        .get(object)
        .with_context(|| format!("the topology has no object {object:?}"))?;
    let mut shapes = Vec::new();
    for geometry in &collection.geometries {
        let polygons = geometry.polygons()?;
        if polygons.is_empty() {
            continue;
        }
        let mut shape = Vec::new();
        for polygon in &polygons {
            for ring in polygon {
                shape.push(join(&arcs, ring)?);
            }
        }
        shapes.push(shape);
    }
    Ok(shapes)
}

/// The arcs in degrees: a quantized topology's positions are deltas from
/// the previous one, in units of `scale` from `translate`.
fn decode_arcs(topo: &Topology) -> Vec<Vec<[f64; 2]>> {
    let Some(t) = &topo.transform else {
        return topo.arcs.clone();
    };
    topo.arcs
        .iter()
        .map(|arc| {
            let (mut x, mut y) = (0.0, 0.0);
            arc.iter()
                .map(|[dx, dy]| {
                    x += dx;
                    y += dy;
                    [
                        x * t.scale[0] + t.translate[0],
                        y * t.scale[1] + t.translate[1],
                    ]
                })
                .collect()
        })
        .collect()
}

/// One ring from its arcs: `~i` (that is `-i - 1`) is arc `i` backwards;
/// each arc after the first starts where the previous ended, so its first
/// point is dropped.
fn join(arcs: &[Vec<[f64; 2]>], indexes: &[i64]) -> anyhow::Result<Ring> {
    let mut ring: Ring = Vec::new();
    for &i in indexes {
        let (index, reversed) = if i < 0 { (!i, true) } else { (i, false) };
        let arc = usize::try_from(index)
            .ok()
            .and_then(|i| arcs.get(i))
            .with_context(|| format!("a ring names arc {i}, which the topology does not have"))?;
        let points: Box<dyn Iterator<Item = &[f64; 2]>> = if reversed {
            Box::new(arc.iter().rev())
        } else {
            Box::new(arc.iter())
        };
        let skip = usize::from(!ring.is_empty());
        ring.extend(points.skip(skip));
    }
    Ok(ring)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two squares sharing an edge (arc 1), quantized: the right one walks
    /// the shared arc backwards.
    const TWO_SQUARES: &str = r#"{"type":"Topology",
      "transform":{"scale":[0.5,0.5],"translate":[10,20]},
      "objects":{"countries":{"type":"GeometryCollection","geometries":[
        {"type":"Polygon","arcs":[[0,1]],"id":"1"},
        {"type":"MultiPolygon","arcs":[[[2,-2]]],"id":"2"},
        {"type":null}
      ]}},
      "arcs":[
        [[2,0],[-2,0],[0,2],[2,0]],
        [[2,2],[0,-2]],
        [[2,2],[2,0],[0,-2],[-2,0]]
      ]}"#;

    #[test]
    fn arcs_are_joined_dequantized_and_reversed() {
        let shapes = rings(TWO_SQUARES, "countries").unwrap();
        assert_eq!(shapes.len(), 2, "the geometry without a type is skipped");
        assert_eq!(
            shapes[0],
            vec![vec![
                [11.0, 20.0],
                [10.0, 20.0],
                [10.0, 21.0],
                [11.0, 21.0],
                [11.0, 20.0]
            ]]
        );
        assert_eq!(
            shapes[1],
            vec![vec![
                [11.0, 21.0],
                [12.0, 21.0],
                [12.0, 20.0],
                [11.0, 20.0],
                [11.0, 21.0]
            ]]
        );
    }

    #[test]
    fn a_missing_arc_or_object_is_named() {
        let bad = TWO_SQUARES.replace("[[2,-2]]", "[[7]]");
        let e = rings(&bad, "countries").unwrap_err().to_string();
        assert!(e.contains("arc 7"), "{e}");
        let e = rings(TWO_SQUARES, "land").unwrap_err().to_string();
        assert!(e.contains("\"land\""), "{e}");
        assert!(rings("{}", "countries").is_err());
        assert!(
            rings(
                r#"{"type":"FeatureCollection","objects":{},"arcs":[]}"#,
                "x"
            )
            .is_err()
        );
    }
}
