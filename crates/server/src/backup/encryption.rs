//! Encrypting a backup to the operator's age keys, and decrypting it.
//!
//! A backup holds what the map never shows (contact addresses, exact
//! points, moderators' password hashes), so one that leaves the server
//! should be readable only with a key kept elsewhere. age's x25519 keys
//! suit that: the server needs only the public key (`age1…`) to write a
//! backup it cannot read back itself, and the files are the `age` tool's
//! (`age -d -i KEYFILE`).

use std::io::{self, BufRead, Write};
use std::path::Path;
use std::str::FromStr;

use age::secrecy::ExposeSecret;
use age::x25519;

use super::Error;

/// How an age file starts.
const AGE_MAGIC: &[u8] = b"age-encryption.org/";
/// How an armored (text) age file starts.
const ARMORED_MAGIC: &[u8] = b"-----BEGIN AGE";
/// How a gzip stream starts.
const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];

/// The recipients named on the command line (`age1…`) and in files (one a
/// line; `#` starts a comment).
pub fn recipients(
    named: &[String],
    files: &[impl AsRef<Path>],
) -> Result<Vec<x25519::Recipient>, Error> {
    let mut all: Vec<String> = named.iter().map(|r| r.trim().to_owned()).collect();
    for file in files {
        let file = file.as_ref();
        let text = std::fs::read_to_string(file)
            .map_err(|e| Error::Key(format!("{}: {e}", file.display())))?;
        all.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_owned),
        );
    }
    all.iter()
        .map(|r| {
            x25519::Recipient::from_str(r).map_err(|e| {
                Error::Key(format!(
                    "{r:?} is not an age public key (age1…, as age-keygen prints): {e}"
                ))
            })
        })
        .collect()
}

/// The identities (private keys) of an age identity file, as `age-keygen`
/// or `backup keygen` writes it.
pub fn identities(file: &Path) -> Result<Vec<Box<dyn age::Identity + Send + Sync>>, Error> {
    let key_error = |e: &dyn std::fmt::Display| Error::Key(format!("{}: {e}", file.display()));
    let parsed =
        age::IdentityFile::from_file(file.display().to_string()).map_err(|e| key_error(&e))?;
    let identities = parsed.into_identities().map_err(|e| key_error(&e))?;
    if identities.is_empty() {
        return Err(key_error(&"holds no key (AGE-SECRET-KEY-1…)"));
    }
    Ok(identities)
}

/// A new key pair: the identity file's text (to keep secret, with a
/// comment naming its public key) and the public key.
pub fn keygen() -> (String, String) {
    let identity = x25519::Identity::generate();
    let public = identity.to_public().to_string();
    let file = format!(
        "# created: {}\n# public key: {public}\n{}\n",
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        identity.to_string().expose_secret()
    );
    (file, public)
}

/// Where a backup goes: encrypted to recipients, or as it is.
pub enum Sealed<W: Write> {
    Plain(W),
    Age(age::stream::StreamWriter<W>),
}

impl<W: Write> Sealed<W> {
    /// Encrypts what is written to `out` for `recipients`, if any.
    pub fn new(out: W, recipients: &[x25519::Recipient]) -> Result<Self, Error> {
        if recipients.is_empty() {
            return Ok(Sealed::Plain(out));
        }
        let encryptor =
            age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
                .map_err(|e| Error::Key(e.to_string()))?;
        Ok(Sealed::Age(
            encryptor.wrap_output(out).map_err(Error::Write)?,
        ))
    }

    /// Ends the encrypted stream (its last chunk says it is the last).
    pub fn finish(self) -> io::Result<W> {
        match self {
            Sealed::Plain(w) => Ok(w),
            Sealed::Age(w) => w.finish(),
        }
    }
}

impl<W: Write> Write for Sealed<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sealed::Plain(w) => w.write(buf),
            Sealed::Age(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sealed::Plain(w) => w.flush(),
            Sealed::Age(w) => w.flush(),
        }
    }
}

/// The lines of a backup in `input`: decrypted with `identities` when it
/// is an age file, decompressed when it is gzip (as backups are written),
/// or as they are (a backup decompressed by hand).
pub fn open<'a>(
    mut input: impl BufRead + Send + 'a,
    identities: Option<&[Box<dyn age::Identity + Send + Sync>]>,
) -> Result<Box<dyn BufRead + Send + 'a>, Error> {
    let start = input.fill_buf().map_err(Error::Read)?;
    if start.starts_with(ARMORED_MAGIC) {
        return Err(Error::NotABackup(
            "it is an armored age file: `age -d` it first, or restore the binary one".to_owned(),
        ));
    }
    if start.starts_with(AGE_MAGIC) {
        let Some(identities) = identities else {
            return Err(Error::Encrypted);
        };
        let decryptor = age::Decryptor::new_buffered(input).map_err(Error::Decrypt)?;
        let plain = decryptor
            .decrypt(identities.iter().map(|i| i.as_ref() as &dyn age::Identity))
            .map_err(Error::Decrypt)?;
        return decompressed(io::BufReader::new(plain));
    }
    decompressed(input)
}

/// The text of `input`, decompressed when it is gzip.
fn decompressed<'a>(
    mut input: impl BufRead + Send + 'a,
) -> Result<Box<dyn BufRead + Send + 'a>, Error> {
    let start = input.fill_buf().map_err(Error::Read)?;
    if start.starts_with(GZIP_MAGIC) {
        let text = flate2::bufread::GzDecoder::new(input);
        return Ok(Box::new(io::BufReader::with_capacity(1 << 16, text)));
    }
    if start.starts_with(b"{") {
        return Ok(Box::new(input));
    }
    Err(Error::NotABackup(
        "it is neither gzip, nor age-encrypted, nor JSON lines".to_owned(),
    ))
}
