//! The `backup` and `restore` commands: files, keys and what they say.

use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::{Error, encryption, progress_bar};
use crate::store::Store;

/// Reads like `-`: standard input or output.
const STDIO: &str = "-";

/// `backup`: writes a copy of the whole database.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct BackupArgs {
    #[command(subcommand)]
    pub command: Option<BackupCommand>,
    /// The file to write (`-`: standard output). It is created readable by
    /// its owner only, and appears only once it is whole.
    #[arg(long, short, required = true)]
    pub output: Option<PathBuf>,
    /// Encrypt to this age public key (age1…); repeatable. Only the
    /// matching private key can read the backup.
    #[arg(long = "recipient", short, value_name = "AGE_PUBLIC_KEY")]
    pub recipients: Vec<String>,
    /// Encrypt to every public key in this file (one a line, as
    /// `age -R` reads them); repeatable.
    #[arg(long = "recipients-file", short = 'R', value_name = "FILE")]
    pub recipients_files: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Make a key pair to encrypt backups with: the private key is written
    /// to a file (keep it off the server); the public key is printed, for
    /// `backup --recipient`.
    Keygen {
        /// The file for the private key; it must not exist.
        #[arg(long, short)]
        output: PathBuf,
    },
}

/// `restore`: writes a backup into an empty database.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup (`-`: standard input).
    pub file: PathBuf,
    /// The age private key file that decrypts an encrypted backup (as
    /// `age-keygen` or `backup keygen` writes it).
    #[arg(long, short, value_name = "KEYFILE")]
    pub identity: Option<PathBuf>,
}

impl BackupCommand {
    /// Runs the command, which needs no database.
    pub fn run(&self) -> anyhow::Result<()> {
        match self {
            BackupCommand::Keygen { output } => {
                let (secret, public) = encryption::keygen();
                let mut file = private_file(output)?;
                file.write_all(secret.as_bytes())?;
                file.sync_all()?;
                eprintln!(
                    "private key written to {} (keep it off the server, and safe)",
                    output.display()
                );
                println!("{public}");
                Ok(())
            }
        }
    }
}

impl BackupArgs {
    /// Writes the backup where `--output` says.
    pub async fn run(&self, store: &dyn Store) -> anyhow::Result<()> {
        let recipients = encryption::recipients(&self.recipients, &self.recipients_files)?;
        let Some(output) = &self.output else {
            anyhow::bail!("--output FILE is required");
        };
        let progress = progress_bar("backing up");
        let summary = if output.as_os_str() == STDIO {
            let stdout = BufWriter::new(std::io::stdout());
            super::backup(store, stdout, &recipients, progress).await?.1
        } else {
            // written beside the file, then renamed: a file of that name
            // is always a whole backup
            let partial = partial_path(output);
            // one left by an interrupted run may be readable by others:
            // the new one is created afresh, owner-only
            let _ = std::fs::remove_file(&partial);
            let file = private_file(&partial)?;
            let done = super::backup(store, BufWriter::new(file), &recipients, progress).await;
            let written = done.and_then(|(out, summary)| {
                let file = out.into_inner().map_err(|e| Error::Write(e.into_error()))?;
                file.sync_all().map_err(Error::Write)?;
                std::fs::rename(&partial, output).map_err(Error::Write)?;
                Ok(summary)
            });
            if written.is_err() {
                let _ = std::fs::remove_file(&partial);
            }
            written.map_err(|e| anyhow::anyhow!("{}: {e}", output.display()))?
        };
        let sealed = match recipients.len() {
            0 => "not encrypted: it holds private data, keep it safe".to_owned(),
            n => format!("encrypted for {n} key(s)"),
        };
        eprintln!(
            "{}: {summary} from {}; {sealed}",
            output.display(),
            store.backend()
        );
        Ok(())
    }
}

impl RestoreArgs {
    /// Restores the file into the (empty) database.
    pub async fn run(&self, store: &dyn Store) -> anyhow::Result<()> {
        let identities = match &self.identity {
            Some(path) => Some(encryption::identities(path)?),
            None => None,
        };
        let progress = progress_bar("restoring");
        let file = &self.file;
        let restored = if file.as_os_str() == STDIO {
            let stdin = BufReader::new(std::io::stdin());
            super::restore(store, stdin, identities.as_deref(), progress).await
        } else {
            let opened = std::fs::File::open(file)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let input = BufReader::with_capacity(1 << 16, opened);
            super::restore(store, input, identities.as_deref(), progress).await
        };
        let summary = restored.map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
        eprintln!(
            "{}: restored {summary} into {}",
            file.display(),
            store.backend()
        );
        Ok(())
    }
}

/// `FILE.partial`, beside `FILE`.
fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

/// A new file only its owner can read; one that exists is refused.
fn private_file(path: &Path) -> anyhow::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}
