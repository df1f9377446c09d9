//! The API document as a page for people: what each endpoint takes and
//! answers, and the shape of every body, rendered on the server from the
//! same OpenAPI document the machines read, with no script and no request
//! to anyone else.

use std::fmt::Write;

use serde_json::Value;

use solidarity_map_core::text::escape_html;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// Escaped prose, with `code` spans as in the doc comments it comes from.
fn prose(s: &str) -> String {
    escape_html(s)
        .split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<code>{part}</code>")
            } else {
                part.to_owned()
            }
        })
        .collect()
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// `#/components/schemas/Name` → `Name`.
fn ref_name(r: &str) -> &str {
    r.rsplit('/').next().unwrap_or(r)
}

/// A schema in a few words: a link to a named schema, or its type.
fn type_of(schema: &Value) -> String {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = ref_name(r);
        return format!("<a href=\"#schema-{0}\">{0}</a>", escape_html(name));
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(parts) = schema.get(key).and_then(Value::as_array) {
            let parts: Vec<String> = parts
                .iter()
                .filter(|p| p.get("type").and_then(Value::as_str) != Some("null"))
                .map(type_of)
                .collect();
            return parts.join(if key == "allOf" { " &amp; " } else { " | " });
        }
    }
    let kind = match schema.get("type") {
        Some(Value::Array(kinds)) => kinds
            .iter()
            .filter_map(Value::as_str)
            .filter(|k| *k != "null")
            .collect::<Vec<_>>()
            .join(" | "),
        Some(Value::String(k)) => k.clone(),
        _ => String::new(),
    };
    match kind.as_str() {
        "array" => format!(
            "array of {}",
            schema.get("items").map(type_of).unwrap_or_default()
        ),
        "object" if schema.get("properties").is_none() => {
            match schema.get("additionalProperties") {
                Some(v @ Value::Object(_)) => format!("map of {}", type_of(v)),
                _ => "object".to_owned(),
            }
        }
        _ => {
            let mut s = escape_html(&kind);
            if let Some(f) = schema.get("format").and_then(Value::as_str) {
                let _ = write!(s, " ({})", escape_html(f));
            }
            if let Some(values) = schema.get("enum").and_then(Value::as_array) {
                let values: Vec<String> = values
                    .iter()
                    .map(|v| format!("<code>{}</code>", escape_html(&v.to_string())))
                    .collect();
                let _ = write!(s, ": {}", values.join(", "));
            }
            s
        }
    }
}

fn parameters(out: &mut String, op: &Value) {
    let Some(params) = op.get("parameters").and_then(Value::as_array) else {
        return;
    };
    out.push_str(
        "<table><caption>Parameters</caption><thead><tr><th scope=\"col\">Name</th>\
         <th scope=\"col\">In</th><th scope=\"col\">Type</th><th scope=\"col\">Description</th>\
         </tr></thead><tbody>",
    );
    for p in params {
        let required = if p.get("required").and_then(Value::as_bool) == Some(true) {
            " <em>(required)</em>"
        } else {
            ""
        };
        let _ = write!(
            out,
            "<tr><td><code>{}</code>{required}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape_html(text(p, "name")),
            escape_html(text(p, "in")),
            p.get("schema").map(type_of).unwrap_or_default(),
            prose(text(p, "description")),
        );
    }
    out.push_str("</tbody></table>");
}

fn content_types(v: &Value) -> String {
    v.get("content")
        .and_then(Value::as_object)
        .map(|c| {
            c.iter()
                .map(|(media, body)| {
                    let schema = body.get("schema").map(type_of).unwrap_or_default();
                    format!("<code>{}</code> {schema}", escape_html(media))
                })
                .collect::<Vec<_>>()
                .join("; ")
        })
        .unwrap_or_default()
}

fn operation(out: &mut String, path: &str, method: &str, op: &Value) {
    let id = format!("{method}-{path}").replace(['/', '{', '}', '.'], "-");
    let _ = write!(
        out,
        "<section class=\"op\" id=\"{}\"><h3><span class=\"method {method}\">{}</span> \
         <code>{}</code></h3>",
        escape_html(&id),
        method.to_uppercase(),
        escape_html(path),
    );
    if op.get("security").is_some() {
        out.push_str("<p class=\"note\">Needs a moderator's session.</p>");
    }
    for part in [text(op, "summary"), text(op, "description")] {
        if !part.is_empty() {
            let _ = write!(out, "<p>{}</p>", prose(part));
        }
    }
    parameters(out, op);
    if let Some(body) = op.get("requestBody") {
        let _ = write!(out, "<p><strong>Body:</strong> {}</p>", content_types(body));
    }
    if let Some(responses) = op.get("responses").and_then(Value::as_object) {
        out.push_str(
            "<table><caption>Responses</caption><thead><tr><th scope=\"col\">Status</th>\
             <th scope=\"col\">Meaning</th><th scope=\"col\">Body</th></tr></thead><tbody>",
        );
        for (status, r) in responses {
            let meaning = match text(r, "description") {
                "" if status.starts_with('2') => "OK",
                d => d,
            };
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape_html(status),
                prose(meaning),
                content_types(r),
            );
        }
        out.push_str("</tbody></table>");
    }
    out.push_str("</section>");
}

fn schema(out: &mut String, name: &str, s: &Value) {
    let _ = write!(
        out,
        "<section class=\"schema\" id=\"schema-{0}\"><h3>{0}</h3>",
        escape_html(name)
    );
    let description = text(s, "description");
    if !description.is_empty() {
        let _ = write!(out, "<p>{}</p>", prose(description));
    }
    let Some(props) = s.get("properties").and_then(Value::as_object) else {
        let _ = write!(out, "<p>{}</p></section>", type_of(s));
        return;
    };
    let required: Vec<&str> = s
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    out.push_str(
        "<table><thead><tr><th scope=\"col\">Field</th><th scope=\"col\">Type</th>\
         <th scope=\"col\">Description</th></tr></thead><tbody>",
    );
    for (field, p) in props {
        let req = if required.contains(&field.as_str()) {
            " <em>(required)</em>"
        } else {
            ""
        };
        let _ = write!(
            out,
            "<tr><td><code>{}</code>{req}</td><td>{}</td><td>{}</td></tr>",
            escape_html(field),
            type_of(p),
            prose(text(p, "description")),
        );
    }
    out.push_str("</tbody></table></section>");
}

/// The whole page.
pub fn render(doc: &utoipa::openapi::OpenApi) -> String {
    let doc = serde_json::to_value(doc).unwrap_or(Value::Null);
    let info = &doc["info"];
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><link rel=\"stylesheet\" href=\"/api/docs.css\"></head><body>\
         <header><h1>{title} <small>{version}</small></h1><p>{description}</p>\
         <p>Machine-readable: <a href=\"/api/openapi.json\">/api/openapi.json</a> (OpenAPI {openapi}). \
         Licence of the software: {licence}. <a href=\"/\">Back to the map</a>.</p></header><main>",
        title = escape_html(text(info, "title")),
        version = escape_html(text(info, "version")),
        description = prose(text(info, "description")),
        openapi = escape_html(text(&doc, "openapi")),
        licence = escape_html(text(&info["license"], "name")),
    );
    let paths = doc["paths"].as_object().cloned().unwrap_or_default();
    let tags = doc["tags"].as_array().cloned().unwrap_or_default();
    out.push_str("<nav aria-label=\"Contents\"><ul>");
    for tag in &tags {
        let _ = write!(
            out,
            "<li><a href=\"#tag-{0}\">{0}</a>: {1}</li>",
            escape_html(text(tag, "name")),
            prose(text(tag, "description"))
        );
    }
    out.push_str("<li><a href=\"#schemas\">Schemas</a></li></ul></nav>");
    for tag in &tags {
        let name = text(tag, "name");
        let _ = write!(out, "<h2 id=\"tag-{0}\">{0}</h2>", escape_html(name));
        for (path, item) in &paths {
            for method in METHODS {
                let Some(op) = item.get(method) else { continue };
                let tagged = op["tags"]
                    .as_array()
                    .is_some_and(|t| t.iter().any(|t| t.as_str() == Some(name)));
                if tagged {
                    operation(&mut out, path, method, op);
                }
            }
        }
    }
    out.push_str("<h2 id=\"schemas\">Schemas</h2>");
    if let Some(schemas) = doc["components"]["schemas"].as_object() {
        for (name, s) in schemas {
            schema(&mut out, name, s);
        }
    }
    out.push_str("</main></body></html>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_it_shows() {
        assert_eq!(
            escape_html("<script>\"'&"),
            "&lt;script&gt;&quot;&#39;&amp;".to_owned()
        );
        let t = type_of(
            &serde_json::json!({"type": "array", "items": {"$ref": "#/components/schemas/A<b>"}}),
        );
        assert_eq!(t, "array of <a href=\"#schema-A&lt;b&gt;\">A&lt;b&gt;</a>");
        assert_eq!(prose("a `b<c>` d"), "a <code>b&lt;c&gt;</code> d");
    }
}
