//! Entries written to the store directly, for tests that start from what
//! is stored rather than from a submission.

use solidarity_map_core::OrganizationInput;
use solidarity_map_core::org::RawLocation;

/// Where an [`entry`] really is: more precise than anything public.
pub const EXACT: (f64, f64) = (31.78123, 35.23456);

/// A media group in Jerusalem at the exact point [`EXACT`], shown at city
/// precision, with the private contact address `private@example.org`.
pub fn entry(name: &str) -> OrganizationInput {
    OrganizationInput {
        name: [("en".to_owned(), name.to_owned())].into(),
        description: [("en".to_owned(), "We meet.".to_owned())].into(),
        category: "media".into(),
        city: "Jerusalem".into(),
        country: "PS".into(),
        location: Some(RawLocation {
            lat: EXACT.0,
            lon: EXACT.1,
        }),
        precision: Some("city".into()),
        contact_email: Some("private@example.org".into()),
        ..Default::default()
    }
}
