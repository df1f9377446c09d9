//! The query of the public organisations API, parsed once here so the
//! server and the client build and read the same URLs.

use crate::text::normalize_for_search;
use crate::{BBox, CategorySlug, CountryCode, FieldError, LangCode, OrgId};

/// The longest search text accepted, in characters.
pub const MAX_Q_CHARS: usize = 200;
/// The longest query string accepted, in bytes.
pub const MAX_QUERY_BYTES: usize = 4096;
/// Page size when none is asked for.
pub const DEFAULT_LIMIT: u32 = 1000;
/// The largest page.
pub const MAX_LIMIT: u32 = 10_000;
const MAX_OFFSET: u64 = 100_000_000;
const MAX_CATEGORIES: usize = 50;

/// Which published organisations to return.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OrgFilter {
    pub bbox: Option<BBox>,
    /// Any of these categories; none means all.
    pub categories: Vec<CategorySlug>,
    pub country: Option<CountryCode>,
    /// Organisations that work in this language.
    pub language: Option<LangCode>,
    /// The search text as typed.
    pub q: Option<String>,
    /// Other words that mean what `q` means, folded for search: a city's
    /// names in other languages when `q` names one ("ירושלים" also
    /// finds "Jerusalem"). Set by the server from its gazetteer; never
    /// part of the query string.
    pub q_also: Vec<String>,
    /// Leaves out stale entries (not confirmed for the operator's
    /// period and a reminder): `hide_stale=true`.
    pub hide_stale: bool,
    pub limit: Option<u32>,
    pub offset: u64,
    /// Where the previous page ended: the page starts after it.
    pub after: Option<PageKey>,
}

/// A place in the list's order (by name, then id), as the `next` link
/// carries it: a page found from here reads only its own rows, however
/// deep into the list it is, where an offset makes the database step over
/// every row before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageKey {
    /// The entry's name folded for sorting, as stored.
    pub sort_name: String,
    pub id: OrgId,
}

impl PageKey {
    /// The form in a query string: the id, a `.`, the sort name.
    pub fn to_param(&self) -> String {
        format!("{}.{}", self.id, self.sort_name)
    }

    /// Reads [`Self::to_param`]'s form back.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let bad = || FieldError::new("after", "not a place in the list: use the `next` link");
        let (id, sort_name) = raw.split_once('.').ok_or_else(bad)?;
        Ok(Self {
            id: id.parse().map_err(|_| bad())?,
            sort_name: sort_name.to_owned(),
        })
    }
}

impl OrgFilter {
    /// Parses a URL query string (without `?`). Unknown parameters are
    /// ignored so that tools may add their own; every problem with a known
    /// one is reported.
    pub fn from_query(raw: &str) -> Result<Self, Vec<FieldError>> {
        if raw.len() > MAX_QUERY_BYTES {
            return Err(vec![FieldError::new(
                "query",
                format!("the query string must be at most {MAX_QUERY_BYTES} bytes"),
            )]);
        }
        let mut f = OrgFilter::default();
        let mut errors = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        for (key, value) in form_urlencoded::parse(raw.as_bytes()) {
            let once = |seen: &mut Vec<String>, errors: &mut Vec<FieldError>| {
                if seen.iter().any(|k| *k == key) {
                    errors.push(FieldError::new(key.as_ref(), "must be given only once"));
                    false
                } else {
                    seen.push(key.to_string());
                    true
                }
            };
            match key.as_ref() {
                "bbox" if once(&mut seen, &mut errors) => match BBox::parse(&value) {
                    Ok(b) => f.bbox = Some(b),
                    Err(e) => errors.push(e),
                },
                "category" => {
                    // `category=a,b` and `category=a&category=b` both work.
                    for part in value.split(',').filter(|p| !p.is_empty()) {
                        match CategorySlug::parse(part) {
                            Ok(c) if !f.categories.contains(&c) => f.categories.push(c),
                            Ok(_) => {}
                            Err(e) => errors.push(e),
                        }
                    }
                    if f.categories.len() > MAX_CATEGORIES {
                        errors.push(FieldError::new("category", "too many categories"));
                    }
                }
                "country" if once(&mut seen, &mut errors) && !value.is_empty() => {
                    match CountryCode::parse(&value) {
                        Ok(c) => f.country = Some(c),
                        Err(e) => errors.push(e),
                    }
                }
                "language" if once(&mut seen, &mut errors) && !value.is_empty() => {
                    match LangCode::parse(&value) {
                        Ok(l) => f.language = Some(l),
                        Err(e) => errors.push(e),
                    }
                }
                "q" if once(&mut seen, &mut errors) => {
                    let q = value.trim();
                    if q.chars().count() > MAX_Q_CHARS {
                        errors.push(FieldError::new(
                            "q",
                            format!("must be at most {MAX_Q_CHARS} characters"),
                        ));
                    } else if !q.is_empty() {
                        f.q = Some(q.to_owned());
                    }
                }
                "hide_stale" if once(&mut seen, &mut errors) => match value.as_ref() {
                    "true" | "1" => f.hide_stale = true,
                    "false" | "0" => f.hide_stale = false,
                    _ => errors.push(FieldError::new("hide_stale", "must be true or false")),
                },
                "limit" if once(&mut seen, &mut errors) => match value.parse::<u32>() {
                    Ok(n) if (1..=MAX_LIMIT).contains(&n) => f.limit = Some(n),
                    _ => errors.push(FieldError::new(
                        "limit",
                        format!("must be a whole number from 1 to {MAX_LIMIT}"),
                    )),
                },
                "offset" if once(&mut seen, &mut errors) => match value.parse::<u64>() {
                    Ok(n) if n <= MAX_OFFSET => f.offset = n,
                    _ => errors.push(FieldError::new(
                        "offset",
                        format!("must be a whole number from 0 to {MAX_OFFSET}"),
                    )),
                },
                "after" if once(&mut seen, &mut errors) => match PageKey::parse(&value) {
                    Ok(k) => f.after = Some(k),
                    Err(e) => errors.push(e),
                },
                _ => {}
            }
        }
        if f.after.is_some() && f.offset > 0 {
            errors.push(FieldError::new(
                "offset",
                "give either `offset` or `after`, not both",
            ));
        }
        if errors.is_empty() {
            Ok(f)
        } else {
            Err(errors)
        }
    }

    /// The page size in force.
    pub fn limit(&self) -> u32 {
        self.limit.unwrap_or(DEFAULT_LIMIT)
    }

    /// The search text folded as the stored search text is.
    pub fn normalized_q(&self) -> Option<String> {
        self.q
            .as_deref()
            .map(normalize_for_search)
            .filter(|q| !q.is_empty())
    }

    /// The filter as a query string, the inverse of [`Self::from_query`].
    pub fn to_query(&self) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        if let Some(b) = &self.bbox {
            s.append_pair("bbox", &b.to_param());
        }
        for c in &self.categories {
            s.append_pair("category", c.as_str());
        }
        if let Some(c) = &self.country {
            s.append_pair("country", c.as_str());
        }
        if let Some(l) = &self.language {
            s.append_pair("language", l.as_str());
        }
        if let Some(q) = &self.q {
            s.append_pair("q", q);
        }
        if self.hide_stale {
            s.append_pair("hide_stale", "true");
        }
        if let Some(l) = self.limit {
            s.append_pair("limit", &l.to_string());
        }
        if self.offset > 0 {
            s.append_pair("offset", &self.offset.to_string());
        }
        if let Some(k) = &self.after {
            s.append_pair("after", &k.to_param());
        }
        s.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(q: &str) -> Vec<String> {
        OrgFilter::from_query(q)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn parses_and_round_trips() {
        let f = OrgFilter::from_query(
            "bbox=34,31,36,33&category=jerusalem&category=media,faith&country=ps&language=AR&q=%D8%A7%D9%84%D9%82%D8%AF%D8%B3&hide_stale=true&limit=50&offset=100&_=123",
        )
        .unwrap();
        assert_eq!(f.categories.len(), 3);
        assert_eq!(f.country.unwrap().as_str(), "PS");
        assert_eq!(f.language.as_ref().unwrap().as_str(), "ar");
        assert_eq!(f.q.as_deref(), Some("القدس"));
        assert_eq!(f.limit(), 50);
        assert!(f.hide_stale);
        assert_eq!(OrgFilter::from_query(&f.to_query()).unwrap(), f);
        let next = OrgFilter {
            offset: 0,
            after: Some(PageKey {
                sort_name: "al quds. & co".into(),
                id: "0a2b7c3e-1d4f-4a5b-8c6d-7e8f9a0b1c2d".parse().unwrap(),
            }),
            ..f
        };
        assert_eq!(OrgFilter::from_query(&next.to_query()).unwrap(), next);
    }

    #[test]
    fn bad_parameters_are_named() {
        assert_eq!(fields("bbox=1,2,3"), ["bbox"]);
        assert_eq!(fields("bbox=0,91,1,92"), ["bbox"]);
        assert_eq!(fields("limit=ten"), ["limit"]);
        assert_eq!(fields("hide_stale=maybe"), ["hide_stale"]);
        assert_eq!(fields("hide_stale="), ["hide_stale"]);
        assert_eq!(fields("limit=0"), ["limit"]);
        assert_eq!(fields("limit=99999999999"), ["limit"]);
        assert_eq!(fields("offset=-1"), ["offset"]);
        assert_eq!(fields("country=Palestine"), ["country"]);
        assert_eq!(fields("category=Not%20A%20Slug"), ["category"]);
        assert_eq!(fields(&format!("q={}", "a".repeat(201))), ["q"]);
        assert_eq!(fields(&format!("x={}", "a".repeat(5000))), ["query"]);
        assert_eq!(fields("bbox=0,0,1,1&bbox=0,0,2,2"), ["bbox"]);
        assert_eq!(fields("limit=x&country=XX"), ["limit", "country"]);
        assert_eq!(fields("language=english"), ["language"]);
        assert_eq!(fields("after=nonsense"), ["after"]);
        assert_eq!(fields("after=1234.name"), ["after"]);
        let key = "0a2b7c3e-1d4f-4a5b-8c6d-7e8f9a0b1c2d.name";
        assert_eq!(fields(&format!("after={key}&offset=5")), ["offset"]);
    }

    #[test]
    fn empty_values_mean_no_filter() {
        let f = OrgFilter::from_query("q=%20&country=&category=").unwrap();
        assert_eq!(f, OrgFilter::default());
    }
}
