//! Coordinates, how precisely an entry is shown, and bounding boxes.

use serde::{Deserialize, Serialize};

use crate::FieldError;

/// A point on the earth, WGS 84 degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawLatLon")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LatLon {
    lat: f64,
    lon: f64,
}

#[derive(Deserialize)]
struct RawLatLon {
    lat: f64,
    lon: f64,
}

impl TryFrom<RawLatLon> for LatLon {
    type Error = FieldError;
    fn try_from(raw: RawLatLon) -> Result<Self, Self::Error> {
        Self::new(raw.lat, raw.lon)
    }
}

impl LatLon {
    pub fn new(lat: f64, lon: f64) -> Result<Self, FieldError> {
        if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
            return Err(FieldError::new(
                "location.lat",
                "latitude must be a number from -90 to 90",
            )
            .code("latitude"));
        }
        if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
            return Err(FieldError::new(
                "location.lon",
                "longitude must be a number from -180 to 180",
            )
            .code("longitude"));
        }
        Ok(Self { lat, lon })
    }

    pub fn lat(&self) -> f64 {
        self.lat
    }

    pub fn lon(&self) -> f64 {
        self.lon
    }

    /// The point as the public may see it: snapped to the grid of the chosen
    /// precision. Deterministic, so the same entry always shows at the same
    /// place and repeated requests cannot be averaged towards the true point.
    pub fn rounded(&self, precision: Precision) -> LatLon {
        let step = precision.grid_degrees();
        let snap = |v: f64, limit: f64| ((v / step).round() * step).clamp(-limit, limit);
        // Printing at the grid's own number of decimals avoids 31.800000000000001.
        let tidy = |v: f64| {
            let f = 10f64.powi(precision.decimals());
            (v * f).round() / f
        };
        LatLon {
            lat: tidy(snap(self.lat, 90.0)),
            lon: tidy(snap(self.lon, 180.0)),
        }
    }
}

/// How precisely an organisation is shown on the public map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Precision {
    /// The point as given.
    Exact,
    /// About 1 km.
    Neighbourhood,
    /// About 10 km: the default, safe for most groups.
    #[default]
    City,
    /// About 100 km: only the country is meant to be known.
    Country,
}

impl Precision {
    pub const ALL: [Precision; 4] = [
        Precision::Exact,
        Precision::Neighbourhood,
        Precision::City,
        Precision::Country,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Precision::Exact => "exact",
            Precision::Neighbourhood => "neighbourhood",
            Precision::City => "city",
            Precision::Country => "country",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == raw.trim())
            .ok_or_else(|| {
                FieldError::new(
                    "precision",
                    "must be one of exact, neighbourhood, city, country",
                )
                .code("precision")
            })
    }

    /// Size of the grid public coordinates are snapped to, in degrees.
    pub fn grid_degrees(&self) -> f64 {
        match self {
            Precision::Exact => 0.000_01,
            Precision::Neighbourhood => 0.01,
            Precision::City => 0.1,
            Precision::Country => 1.0,
        }
    }

    fn decimals(&self) -> i32 {
        match self {
            Precision::Exact => 5,
            Precision::Neighbourhood => 2,
            Precision::City => 1,
            Precision::Country => 0,
        }
    }
}

/// A bounding box `minLon,minLat,maxLon,maxLat`, as in RFC 7946 and OGC
/// APIs. A box whose west edge is east of its east edge crosses the
/// antimeridian (e.g. `170,-20,-170,20` around Fiji).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BBox {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
}

impl BBox {
    pub const WORLD: BBox = BBox {
        min_lon: -180.0,
        min_lat: -90.0,
        max_lon: 180.0,
        max_lat: 90.0,
    };

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let err = |m: &str| FieldError::new("bbox", m);
        let parts: Vec<&str> = raw.split(',').collect();
        if parts.len() != 4 {
            return Err(err(&format!(
                "must be four numbers minLon,minLat,maxLon,maxLat; got {}",
                parts.len()
            )));
        }
        let mut n = [0.0; 4];
        for (slot, part) in n.iter_mut().zip(&parts) {
            *slot = part
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| err("must be four numbers minLon,minLat,maxLon,maxLat"))?;
        }
        let [min_lon, min_lat, max_lon, max_lat] = n;
        for lon in [min_lon, max_lon] {
            if !(-180.0..=180.0).contains(&lon) {
                return Err(err("longitudes must be from -180 to 180"));
            }
        }
        for lat in [min_lat, max_lat] {
            if !(-90.0..=90.0).contains(&lat) {
                return Err(err("latitudes must be from -90 to 90"));
            }
        }
        if min_lat > max_lat {
            return Err(err("minLat must not be greater than maxLat"));
        }
        Ok(Self {
            min_lon,
            min_lat,
            max_lon,
            max_lat,
        })
    }

    /// Whether the box wraps around the antimeridian.
    pub fn crosses_antimeridian(&self) -> bool {
        self.min_lon > self.max_lon
    }

    pub fn contains(&self, p: LatLon) -> bool {
        let lat_ok = p.lat() >= self.min_lat && p.lat() <= self.max_lat;
        let lon_ok = if self.crosses_antimeridian() {
            p.lon() >= self.min_lon || p.lon() <= self.max_lon
        } else {
            p.lon() >= self.min_lon && p.lon() <= self.max_lon
        };
        lat_ok && lon_ok
    }

    /// The box as `minLon,minLat,maxLon,maxLat`.
    pub fn to_param(&self) -> String {
        format!(
            "{},{},{},{}",
            self.min_lon, self.min_lat, self.max_lon, self.max_lat
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_hides_the_exact_point() {
        let p = LatLon::new(31.778_123, 35.235_987).unwrap();
        assert_eq!(p.rounded(Precision::City), LatLon::new(31.8, 35.2).unwrap());
        assert_eq!(
            p.rounded(Precision::Neighbourhood),
            LatLon::new(31.78, 35.24).unwrap()
        );
        assert_eq!(
            p.rounded(Precision::Country),
            LatLon::new(32.0, 35.0).unwrap()
        );
        assert_eq!(
            p.rounded(Precision::Exact),
            LatLon::new(31.778_12, 35.235_99).unwrap()
        );
        // Deterministic: rounding again changes nothing.
        let r = p.rounded(Precision::City);
        assert_eq!(r.rounded(Precision::City), r);
    }

    #[test]
    fn rounding_stays_on_the_globe() {
        let p = LatLon::new(89.99, 179.99).unwrap();
        let r = p.rounded(Precision::Country);
        assert_eq!((r.lat(), r.lon()), (90.0, 180.0));
    }

    #[test]
    fn rejects_out_of_range_points() {
        assert_eq!(LatLon::new(91.0, 0.0).unwrap_err().field, "location.lat");
        assert_eq!(
            LatLon::new(0.0, f64::NAN).unwrap_err().field,
            "location.lon"
        );
    }

    #[test]
    fn bbox_parsing() {
        let b = BBox::parse("34,31,36,33").unwrap();
        assert!(b.contains(LatLon::new(31.78, 35.2).unwrap()));
        assert!(!b.contains(LatLon::new(51.5, -0.1).unwrap()));
        for bad in [
            "34,31,36",
            "34,31,36,91",
            "a,b,c,d",
            "34,33,36,31",
            "34,31,36,33,1",
            "181,0,0,0",
            "NaN,0,1,1",
            "",
        ] {
            let e = BBox::parse(bad).unwrap_err();
            assert_eq!(e.field, "bbox", "{bad}");
        }
    }

    #[test]
    fn bbox_across_the_antimeridian() {
        let b = BBox::parse("170,-20,-170,-10").unwrap();
        assert!(b.crosses_antimeridian());
        assert!(b.contains(LatLon::new(-17.7, 178.0).unwrap()));
        assert!(b.contains(LatLon::new(-15.0, -175.0).unwrap()));
        assert!(!b.contains(LatLon::new(-15.0, 0.0).unwrap()));
    }
}
