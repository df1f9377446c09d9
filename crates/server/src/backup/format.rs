//! The backup file: JSON lines, which any tool can read and which say
//! what they hold without this program.
//!
//! ```text
//! {"format":"solidarity-map-backup","version":1,"schema":5,"backend":"sqlite",…}
//! {"table":"categories","columns":["slug","labels",…],"rows":9}
//! ["solidarity","{\"en\":\"Solidarity\"}",…]
//! …
//! {"end":1234}
//! ```
//!
//! A header; then each table: a line naming it, its columns and how many
//! rows follow, then one array per row, each value as its column's kind
//! says (a uuid or a time as text, the time in UTC to the microsecond, a
//! double as the shortest decimal that reads back to the same bits); then
//! the end, with the number of rows in all. A file that stops anywhere
//! before its end line, or has a table short of its rows, is refused.

use std::io::{self, BufRead, Write};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Serialize};

use super::Error;
use crate::store::backup::{
    Column, DumpSink, Interrupted, Kind, Record, RecordSource, TABLES, Table, Value, table,
};

/// The first line's `format`.
pub const FORMAT: &str = "solidarity-map-backup";
/// The version of the file's layout this program writes and reads.
pub const VERSION: u32 = 1;

/// The first line.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Header {
    pub format: String,
    pub version: u32,
    /// The version of the newest migration of the database copied.
    pub schema: i64,
    /// The database copied: `sqlite` or `postgres`.
    pub backend: String,
    /// The version of the program that wrote it.
    pub app: String,
    pub at: DateTime<Utc>,
}

/// The line before a table's rows.
#[derive(Debug, Serialize, Deserialize)]
struct TableLine {
    table: String,
    columns: Vec<String>,
    rows: u64,
}

/// The last line.
#[derive(Debug, Serialize, Deserialize)]
struct EndLine {
    end: u64,
}

/// Any line but the header.
#[derive(Deserialize)]
#[serde(untagged)]
enum Line {
    Table(TableLine),
    End(EndLine),
}

/// A row, written as an array.
struct Row<'a>(&'a [Value]);

impl Serialize for Row<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for value in self.0 {
            match value {
                Value::Text(v) => seq.serialize_element(v)?,
                Value::Id(v) => seq.serialize_element(&v.map(|id| id.hyphenated().to_string()))?,
                Value::Real(v) => seq.serialize_element(v)?,
                Value::Int(v) => seq.serialize_element(v)?,
                Value::Small(v) => seq.serialize_element(v)?,
                Value::Time(v) => seq.serialize_element(
                    &v.map(|t| t.to_rfc3339_opts(SecondsFormat::Micros, true)),
                )?,
            }
        }
        seq.end()
    }
}

/// What a backup or a restore has done so far: the table, its rows done,
/// and how many it has.
pub type Progress = Box<dyn FnMut(&'static str, u64, u64) + Send>;

/// Writes what the store dumps as lines to `out`.
pub struct Writer<W: Write> {
    out: W,
    backend: &'static str,
    /// The table being written, its rows and those written.
    table: Option<(&'static str, u64, u64)>,
    /// Rows in all.
    rows: u64,
    /// The schema copied, and rows per table, for the summary.
    pub schema: i64,
    pub counts: Vec<(&'static str, u64)>,
    progress: Progress,
    /// Why writing failed.
    pub failure: Option<io::Error>,
}

impl<W: Write + Send> Writer<W> {
    pub fn new(out: W, backend: &'static str, progress: Progress) -> Self {
        Self {
            out,
            backend,
            table: None,
            rows: 0,
            schema: 0,
            counts: Vec::new(),
            progress,
            failure: None,
        }
    }

    fn line(&mut self, value: &impl Serialize) -> Result<(), Interrupted> {
        let written = serde_json::to_writer(&mut self.out, value)
            .map_err(io::Error::from)
            .and_then(|()| self.out.write_all(b"\n"));
        written.map_err(|e| {
            self.failure = Some(e);
            Interrupted
        })
    }

    /// Writes the end line: the copy is whole. The writer beneath follows.
    pub fn finish(mut self) -> io::Result<W> {
        if self.line(&EndLine { end: self.rows }).is_err() {
            return Err(self
                .failure
                .take()
                .unwrap_or_else(|| io::Error::other("end")));
        }
        Ok(self.out)
    }
}

impl<W: Write + Send> DumpSink for Writer<W> {
    fn begin(&mut self, schema: i64) -> Result<(), Interrupted> {
        self.schema = schema;
        self.line(&Header {
            format: FORMAT.to_owned(),
            version: VERSION,
            schema,
            backend: self.backend.to_owned(),
            app: env!("CARGO_PKG_VERSION").to_owned(),
            at: Utc::now(),
        })
    }

    fn table(&mut self, table: &'static Table, rows: u64) -> Result<(), Interrupted> {
        self.table = Some((table.name, rows, 0));
        self.counts.push((table.name, rows));
        (self.progress)(table.name, 0, rows);
        self.line(&TableLine {
            table: table.name.to_owned(),
            columns: table.columns.iter().map(|c| c.name.to_owned()).collect(),
            rows,
        })
    }

    fn row(&mut self, row: &[Value]) -> Result<(), Interrupted> {
        self.line(&Row(row))?;
        self.rows += 1;
        if let Some((name, of, done)) = &mut self.table {
            *done += 1;
            (self.progress)(name, *done, *of);
        }
        Ok(())
    }
}

/// Reads the records of a backup's lines, checking each.
pub struct Reader<R: BufRead> {
    input: R,
    pub header: Header,
    /// The number of the last line read.
    line: u64,
    /// The table being read: its columns, its rows, those read.
    table: Option<(&'static Table, Vec<&'static Column>, u64, u64)>,
    /// Tables read so far.
    tables: usize,
    rows: u64,
    pub counts: Vec<(&'static str, u64)>,
    progress: Progress,
    /// Why reading failed.
    pub failure: Option<Error>,
}

impl<R: BufRead + Send> Reader<R> {
    /// Reads the header: a backup of a version of the format this
    /// program reads.
    pub fn open(mut input: R, progress: Progress) -> Result<Self, Error> {
        let mut first = String::new();
        read_line(&mut input, &mut first, 1)?;
        let header: Header = serde_json::from_str(&first)
            .ok()
            .filter(|h: &Header| h.format == FORMAT)
            .ok_or_else(|| Error::NotABackup("its first line is not a backup's".to_owned()))?;
        if header.version > VERSION {
            return Err(Error::NotABackup(format!(
                "its format is version {}, this program reads up to {VERSION}",
                header.version
            )));
        }
        Ok(Self {
            input,
            header,
            line: 1,
            table: None,
            tables: 0,
            rows: 0,
            counts: Vec::new(),
            progress,
            failure: None,
        })
    }

    fn corrupt(&self, reason: impl Into<String>) -> Error {
        Error::Corrupt {
            line: self.line,
            reason: reason.into(),
        }
    }

    fn read(&mut self) -> Result<Option<Record>, Error> {
        let mut text = String::new();
        self.line += 1;
        read_line(&mut self.input, &mut text, self.line)?;
        if text.starts_with('[') {
            return self.row(&text).map(|row| Some(Record::Row(row)));
        }
        let line: Line = serde_json::from_str(&text)
            .map_err(|e| self.corrupt(format!("not a table, a row or the end: {e}")))?;
        // a table or the end: the table before is whole
        if let Some((table, _, rows, read)) = &self.table
            && read < rows
        {
            return Err(self.corrupt(format!("{} has {read} of its {rows} rows", table.name)));
        }
        match line {
            Line::Table(t) => self.table_line(&t).map(Some),
            Line::End(end) => {
                if end.end != self.rows {
                    return Err(self.corrupt(format!(
                        "the end counts {} rows, the file has {}",
                        end.end, self.rows
                    )));
                }
                // nothing follows, and a compressed file's checksum holds
                let mut rest = Vec::new();
                let line = self.line;
                self.input
                    .read_to_end(&mut rest)
                    .map_err(|e| read_error(e, line))?;
                if !rest.iter().all(u8::is_ascii_whitespace) {
                    return Err(self.corrupt("more follows the end"));
                }
                Ok(None)
            }
        }
    }

    fn table_line(&mut self, line: &TableLine) -> Result<Record, Error> {
        let Some(table) = table(&line.table) else {
            return Err(self.corrupt(format!("no table is called {:?}", line.table)));
        };
        // in the order of TABLES, each once
        let at = TABLES.iter().position(|t| t == table).unwrap_or(0);
        if at < self.tables {
            return Err(self.corrupt(format!("{} comes too late", table.name)));
        }
        self.tables = at + 1;
        let mut columns: Vec<&'static Column> = Vec::new();
        for name in &line.columns {
            let Some(column) = table.column(name) else {
                return Err(self.corrupt(format!("{} has no column {name:?}", table.name)));
            };
            if columns.contains(&column) {
                return Err(self.corrupt(format!("{name} twice")));
            }
            columns.push(column);
        }
        if !columns.iter().any(|c| c.name == table.key) {
            return Err(self.corrupt(format!("{} without its {}", table.name, table.key)));
        }
        self.counts.push((table.name, line.rows));
        (self.progress)(table.name, 0, line.rows);
        self.table = Some((table, columns.clone(), line.rows, 0));
        Ok(Record::Table { table, columns })
    }

    fn row(&mut self, text: &str) -> Result<Vec<Value>, Error> {
        let line = self.line;
        let corrupt = |reason: String| Error::Corrupt { line, reason };
        let Some((table, columns, rows, read)) = &mut self.table else {
            return Err(corrupt("a row before its table".to_owned()));
        };
        *read += 1;
        if *read > *rows {
            return Err(corrupt(format!(
                "{} has more than its {rows} rows",
                table.name
            )));
        }
        let values: Vec<serde_json::Value> =
            serde_json::from_str(text).map_err(|e| corrupt(e.to_string()))?;
        if values.len() != columns.len() {
            return Err(corrupt(format!(
                "{} values for {} columns",
                values.len(),
                columns.len()
            )));
        }
        let row = columns
            .iter()
            .zip(values)
            .map(|(c, v)| decode(c, v).map_err(corrupt))
            .collect::<Result<Vec<_>, _>>()?;
        let (name, done, of) = (table.name, *read, *rows);
        self.rows += 1;
        (self.progress)(name, done, of);
        Ok(row)
    }
}

impl<R: BufRead + Send> RecordSource for Reader<R> {
    fn next(&mut self) -> Result<Option<Record>, Interrupted> {
        self.read().map_err(|e| {
            self.failure = Some(e);
            Interrupted
        })
    }
}

/// Reads line `n` into `text`, without its line end: the end of the
/// input, or of what it could decompress or decrypt, is a truncated file.
fn read_line(input: &mut impl BufRead, text: &mut String, n: u64) -> Result<(), Error> {
    match input.read_line(text).map_err(|e| read_error(e, n))? {
        0 => Err(Error::Truncated(n)),
        _ if !text.ends_with('\n') => Err(Error::Truncated(n)),
        _ => {
            text.pop();
            Ok(())
        }
    }
}

/// A failure to read, decompress or decrypt line `n`.
fn read_error(e: io::Error, n: u64) -> Error {
    match e.kind() {
        io::ErrorKind::UnexpectedEof => Error::Truncated(n),
        _ => Error::Read(e),
    }
}

/// A value of `column`, as the file writes it.
fn decode(column: &Column, v: serde_json::Value) -> Result<Value, String> {
    use serde_json::Value as J;
    let wrong = |v: &J| format!("{}: not a {:?}: {v}", column.name, column.kind);
    let null = v.is_null();
    Ok(match column.kind {
        Kind::Text => Value::Text(match v {
            J::String(s) => Some(s),
            _ if null => None,
            v => return Err(wrong(&v)),
        }),
        Kind::Id => Value::Id(match &v {
            J::String(s) => Some(s.parse().map_err(|_| wrong(&v))?),
            _ if null => None,
            v => return Err(wrong(v)),
        }),
        Kind::Real => Value::Real(match &v {
            J::Number(n) => Some(n.as_f64().ok_or_else(|| wrong(&v))?),
            _ if null => None,
            v => return Err(wrong(v)),
        }),
        Kind::Int => Value::Int(match &v {
            J::Number(n) => Some(n.as_i64().ok_or_else(|| wrong(&v))?),
            _ if null => None,
            v => return Err(wrong(v)),
        }),
        Kind::Small => Value::Small(match &v {
            J::Number(n) => {
                let n = n.as_i64().and_then(|n| i32::try_from(n).ok());
                Some(n.ok_or_else(|| wrong(&v))?)
            }
            _ if null => None,
            v => return Err(wrong(v)),
        }),
        Kind::Time => Value::Time(match &v {
            J::String(s) => Some(
                DateTime::parse_from_rfc3339(s)
                    .map_err(|_| wrong(&v))?
                    .with_timezone(&Utc),
            ),
            _ if null => None,
            v => return Err(wrong(v)),
        }),
    })
}
