//! The file readers: the bytes of a CSV or GeoJSON file as [`Record`]s of
//! named values, before any column is given a meaning.
//!
//! Kept apart from the column mapping (`columns.rs`) so that a new format
//! only has to produce records, and the mapping stays one piece of code
//! for every format. A reader reports what makes a single row unreadable
//! (a CSV row that is not UTF-8, a geometry that is not a point) on that
//! row's record, and fails only when the file as a whole cannot be read.

use std::collections::BTreeSet;

use solidarity_map_core::org::RawLocation;

use super::{ImportError, Place, Problem};
use crate::open_data::csv_cell;

/// A file read: its records, the keys (columns or properties) they use,
/// and whether it looks like a uMap export.
pub(super) struct Parsed {
    pub records: Vec<Record>,
    pub keys: Vec<String>,
    pub umap: bool,
}

/// A value from a file: a cell or property, or a GeoJSON array.
#[derive(Debug, Clone)]
pub(super) enum Value {
    Text(String),
    List(Vec<String>),
}

/// What a row is made of, before mapping.
pub(super) struct Record {
    pub place: Place,
    pub entries: Vec<(String, Value)>,
    /// A GeoJSON feature's point; `Err` for another geometry.
    pub point: Option<Result<RawLocation, String>>,
    pub problems: Vec<Problem>,
}

/// A CSV file with a header row; each record is named by its spreadsheet
/// row.
pub(super) fn read_csv(bytes: &[u8]) -> Result<Parsed, ImportError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_owned()).collect(),
        Err(e) => {
            // the report below says which row; a header must be readable
            return Err(ImportError::Options(format!(
                "the header row cannot be read: {e}"
            )));
        }
    };
    if header.iter().all(String::is_empty) {
        return Err(ImportError::NoHeader);
    }
    let mut records = Vec::new();
    for (i, result) in reader.records().enumerate() {
        // the header is row 1; a cell may span lines, so count records
        let place = Place::Row(i + 2);
        let mut record = Record {
            place,
            entries: Vec::new(),
            point: None,
            problems: Vec::new(),
        };
        match result {
            Ok(cells) => {
                if cells.len() > header.len() {
                    record.problems.push(Problem {
                        place,
                        field: "row".into(),
                        message: format!(
                            "has {} cells, the header has {}",
                            cells.len(),
                            header.len()
                        ),
                    });
                }
                record.entries = header
                    .iter()
                    .zip(cells.iter())
                    // the export's quote in front of a formula-like cell
                    .map(|(k, v)| (k.clone(), Value::Text(csv_cell::unescape(v).to_owned())))
                    .collect();
            }
            Err(e) => record.problems.push(Problem {
                place,
                field: "row".into(),
                message: match e.kind() {
                    csv::ErrorKind::Utf8 { .. } => {
                        "is not UTF-8 text (save the file as UTF-8)".to_owned()
                    }
                    _ => e.to_string(),
                },
            }),
        }
        records.push(record);
    }
    Ok(Parsed {
        records,
        keys: header,
        umap: false,
    })
}

/// A GeoJSON FeatureCollection; each record is named by its feature's
/// index.
pub(super) fn read_geojson(bytes: &[u8]) -> Result<Parsed, ImportError> {
    let root: serde_json::Value = serde_json::from_slice(bytes)?;
    let features = root
        .get("features")
        .and_then(serde_json::Value::as_array)
        .ok_or(ImportError::NotFeatureCollection)?;
    let mut umap = root.get("_umap_options").is_some();
    let mut keys = BTreeSet::new();
    let mut records = Vec::new();
    for (i, feature) in features.iter().enumerate() {
        let place = Place::Feature(i);
        let mut entries = Vec::new();
        match feature.get("id") {
            Some(serde_json::Value::String(s)) => {
                entries.push(("id".to_owned(), Value::Text(s.clone())));
            }
            Some(serde_json::Value::Number(n)) => {
                entries.push(("id".to_owned(), Value::Text(n.to_string())));
            }
            _ => {}
        }
        if let Some(props) = feature.get("properties").and_then(|p| p.as_object()) {
            umap |= props.contains_key("_umap_options");
            for (k, v) in props {
                flatten(k, v, &mut entries);
            }
        }
        keys.extend(entries.iter().map(|(k, _)| k.clone()));
        let point = match feature.get("geometry") {
            None | Some(serde_json::Value::Null) => None,
            Some(g) => Some(point_of(g)),
        };
        records.push(Record {
            place,
            entries,
            point,
            problems: Vec::new(),
        });
    }
    Ok(Parsed {
        records,
        keys: keys.into_iter().collect(),
        umap,
    })
}

/// Properties as flat entries: `{"name": {"en": …}}` is `name.en`.
fn flatten(key: &str, v: &serde_json::Value, out: &mut Vec<(String, Value)>) {
    use serde_json::Value as J;
    let text = |v: &J| match v {
        J::String(s) => s.clone(),
        other => other.to_string(),
    };
    match v {
        J::Null => {}
        J::Object(map) => {
            for (k, inner) in map {
                flatten(&format!("{key}.{k}"), inner, out);
            }
        }
        J::Array(items) => out.push((
            key.to_owned(),
            Value::List(items.iter().map(text).collect()),
        )),
        other => out.push((key.to_owned(), Value::Text(text(other)))),
    }
}

fn point_of(g: &serde_json::Value) -> Result<RawLocation, String> {
    let kind = g.get("type").and_then(|t| t.as_str()).unwrap_or("");
    if kind != "Point" {
        return Err(format!(
            "only Point geometries can be imported, this is {kind:?}"
        ));
    }
    match g
        .get("coordinates")
        .and_then(|c| c.as_array())
        .map(Vec::as_slice)
    {
        Some([lon, lat, ..]) => match (lon.as_f64(), lat.as_f64()) {
            (Some(lon), Some(lat)) => Ok(RawLocation { lat, lon }),
            _ => Err("the point's coordinates are not numbers".into()),
        },
        _ => Err("the point has no [longitude, latitude]".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record's entries, lists joined with `;`, for comparing.
    fn entries(record: &Record) -> Vec<(&str, String)> {
        record
            .entries
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    Value::Text(t) => t.clone(),
                    Value::List(items) => items.join(";"),
                };
                (k.as_str(), v)
            })
            .collect()
    }

    #[test]
    fn csv_rows_are_numbered_as_a_spreadsheet_numbers_them() {
        let csv = " id , name\n1,\"two\nlines\"\n2,'=SUM(A1)\n";
        let parsed = read_csv(csv.as_bytes()).expect("readable");
        assert_eq!(parsed.keys, ["id", "name"]);
        assert!(!parsed.umap);
        let places: Vec<Place> = parsed.records.iter().map(|r| r.place).collect();
        assert_eq!(places, [Place::Row(2), Place::Row(3)]);
        assert_eq!(
            entries(&parsed.records[0]),
            [("id", "1".to_owned()), ("name", "two\nlines".to_owned())]
        );
        // the export's quote in front of a formula is taken away
        assert_eq!(
            entries(&parsed.records[1])[1],
            ("name", "=SUM(A1)".to_owned())
        );
    }

    #[test]
    fn a_csv_row_with_too_many_cells_or_bad_bytes_is_a_problem() {
        let mut csv = b"id,name\n1,a,extra\n2,".to_vec();
        csv.extend([0xff, 0xfe]);
        csv.extend(b"\n3\n");
        let parsed = read_csv(&csv).expect("readable");
        let problems: Vec<String> = parsed
            .records
            .iter()
            .flat_map(|r| r.problems.iter().map(ToString::to_string))
            .collect();
        assert_eq!(
            problems,
            [
                "row 2: row: has 3 cells, the header has 2",
                "row 3: row: is not UTF-8 text (save the file as UTF-8)",
            ]
        );
        // a short row is read as far as it goes
        assert_eq!(entries(&parsed.records[2]), [("id", "3".to_owned())]);
    }

    #[test]
    fn a_csv_needs_a_header() {
        assert!(matches!(read_csv(b""), Err(ImportError::NoHeader)));
        assert!(matches!(
            read_csv(b" , \n1,2\n"),
            Err(ImportError::NoHeader)
        ));
    }

    #[test]
    fn geojson_properties_are_flattened() {
        let json = r#"{"type": "FeatureCollection", "features": [
            {"type": "Feature", "id": 7, "geometry": {"type": "Point", "coordinates": [35.2, 31.7]},
             "properties": {"name": {"en": "Kitchen", "ar": "مطبخ"}, "tags": ["a", "b"],
                            "count": 3, "open": true, "note": null}},
            {"type": "Feature", "id": "x", "geometry": null, "properties": {"_umap_options": {}}}
        ]}"#;
        let parsed = read_geojson(json.as_bytes()).expect("readable");
        assert!(parsed.umap);
        assert_eq!(
            parsed.keys,
            ["count", "id", "name.ar", "name.en", "open", "tags"]
        );
        let first = &parsed.records[0];
        assert_eq!(first.place, Place::Feature(0));
        assert_eq!(
            entries(first),
            [
                ("id", "7".to_owned()),
                ("count", "3".to_owned()),
                ("name.ar", "مطبخ".to_owned()),
                ("name.en", "Kitchen".to_owned()),
                ("open", "true".to_owned()),
                ("tags", "a;b".to_owned()),
            ]
        );
        assert_eq!(
            first.point,
            Some(Ok(RawLocation {
                lat: 31.7,
                lon: 35.2
            }))
        );
        let second = &parsed.records[1];
        assert_eq!(second.place, Place::Feature(1));
        assert!(second.point.is_none());
    }

    #[test]
    fn only_points_are_locations() {
        for (geometry, message) in [
            (
                r#"{"type": "LineString", "coordinates": [[0, 0], [1, 1]]}"#,
                "only Point geometries can be imported, this is \"LineString\"",
            ),
            (
                r#"{"type": "Point", "coordinates": ["35", "31"]}"#,
                "the point's coordinates are not numbers",
            ),
            (
                r#"{"type": "Point", "coordinates": [35]}"#,
                "the point has no [longitude, latitude]",
            ),
        ] {
            let g: serde_json::Value = serde_json::from_str(geometry).expect("JSON");
            assert_eq!(point_of(&g), Err(message.to_owned()), "{geometry}");
        }
    }

    #[test]
    fn geojson_must_be_a_feature_collection() {
        assert!(matches!(
            read_geojson(br#"{"type": "Feature"}"#),
            Err(ImportError::NotFeatureCollection)
        ));
        assert!(matches!(
            read_geojson(b"not json"),
            Err(ImportError::Json(_))
        ));
    }
}
