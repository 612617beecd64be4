//! Secrets never reach an output: passwords, tokens and key paths found in
//! the command line are replaced by `***` in every run-file line, log line
//! and message.
//!
//! Rules:
//! - a secret is the password of a URI's user info (`qemu+ssh://user:PASS@h`),
//!   the value of a URI query parameter named like a secret (`password=`,
//!   `passwd=`, `token=`, `secret=`, `pkipath=`, `keyfile=`, `key=`), or the
//!   value after a flag named like one (`--password X`, `--token=X`, …);
//! - every command-line argument that holds a secret is replaced as a whole
//!   by its redacted form, wherever it appears; then each secret of at least
//!   [`MIN_LOOSE_LEN`] characters is replaced anywhere (a trigger may echo it
//!   in other words);
//! - [`install`] sets the process's redactor once, at start; [`redact`] is a
//!   no-op until then (tests, library use).

use std::borrow::Cow;
use std::sync::OnceLock;

/// Replaces a secret.
pub const MASK: &str = "***";

/// Secrets shorter than this are replaced only inside their argument (a
/// 2-letter password replaced everywhere would garble every line).
pub const MIN_LOOSE_LEN: usize = 4;

const SECRET_NAMES: &[&str] = &[
    "password", "passwd", "pass", "token", "secret", "pkipath", "keyfile", "key",
];

/// What to hide, found in a command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Redactor {
    /// (argument as given, argument redacted), for arguments holding a secret.
    args: Vec<(String, String)>,
    /// Secret values long enough to replace anywhere.
    loose: Vec<String>,
}

impl Redactor {
    /// The secrets of `args` (a whole command line).
    pub fn from_args(args: &[String]) -> Redactor {
        let mut r = Redactor::default();
        let mut after_flag = false;
        for a in args {
            let mut secrets = Vec::new();
            if after_flag {
                secrets.push(a.clone());
            }
            after_flag = false;
            if let Some(flag) = a.strip_prefix("--") {
                match flag.split_once('=') {
                    Some((name, v)) if is_secret_name(name) => secrets.push(v.to_owned()),
                    None if is_secret_name(flag) => after_flag = true,
                    _ => {}
                }
            }
            secrets.extend(uri_secrets(a));
            secrets.retain(|s| !s.is_empty());
            if !secrets.is_empty() {
                let mut masked = a.clone();
                for s in &secrets {
                    masked = masked.replace(s.as_str(), MASK);
                }
                r.args.push((a.clone(), masked));
                r.loose.extend(
                    secrets
                        .into_iter()
                        .filter(|s| s.chars().count() >= MIN_LOOSE_LEN),
                );
            }
        }
        r.args.sort_by_key(|(a, _)| std::cmp::Reverse(a.len()));
        r.loose.sort_by_key(|s| std::cmp::Reverse(s.len()));
        r.loose.dedup();
        r
    }

    /// True when there is nothing to hide.
    pub fn is_empty(&self) -> bool {
        self.args.is_empty()
    }

    /// `s` with every secret replaced.
    pub fn apply<'a>(&self, s: &'a str) -> Cow<'a, str> {
        if self.is_empty() {
            return Cow::Borrowed(s);
        }
        let hit = self.args.iter().any(|(a, _)| s.contains(a.as_str()))
            || self.loose.iter().any(|l| s.contains(l.as_str()));
        if !hit {
            return Cow::Borrowed(s);
        }
        let mut out = s.to_owned();
        for (a, masked) in &self.args {
            out = out.replace(a.as_str(), masked);
        }
        for l in &self.loose {
            out = out.replace(l.as_str(), MASK);
        }
        Cow::Owned(out)
    }
}

fn is_secret_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase().replace('_', "-");
    SECRET_NAMES
        .iter()
        .any(|s| n == *s || n.ends_with(&format!("-{s}")))
}

/// The password of a URI's user info and the values of secret-named query
/// parameters, in `arg` (a URI or any text holding one).
fn uri_secrets(arg: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in arg.match_indices("://") {
        let rest = &arg[i + 3..];
        let authority = rest.split(['/', '?', '#', ' ']).next().unwrap_or("");
        if let Some((userinfo, _)) = authority.rsplit_once('@') {
            if let Some((_, pass)) = userinfo.split_once(':') {
                out.push(pass.to_owned());
            }
        }
        if let Some((_, query)) = rest.split_once('?') {
            let query = query.split([' ', '#']).next().unwrap_or("");
            for pair in query.split('&') {
                if let Some((k, v)) = pair.split_once('=') {
                    if is_secret_name(k) {
                        out.push(v.to_owned());
                    }
                }
            }
        }
    }
    out
}

static INSTALLED: OnceLock<Redactor> = OnceLock::new();

/// Sets the process's redactor (the first call wins).
pub fn install(r: Redactor) {
    let _ = INSTALLED.set(r);
}

/// True when a redactor with something to hide is installed.
pub fn active() -> bool {
    INSTALLED.get().is_some_and(|r| !r.is_empty())
}

/// `s` with every secret of the installed redactor replaced.
pub fn redact(s: &str) -> Cow<'_, str> {
    match INSTALLED.get() {
        Some(r) => r.apply(s),
        None => Cow::Borrowed(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(args: &[&str]) -> Redactor {
        Redactor::from_args(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn uri_passwords_query_secrets_and_flags_are_masked() {
        let red = r(&[
            "migprobe",
            "run",
            "--src-uri",
            "qemu+ssh://admin:s3cret!@node01/system",
            "--dst-uri",
            "qemu+tls://node02/system?pkipath=/etc/pki/mine&no_verify=1",
            "--",
            "virsh",
            "--password",
            "hunter22",
            "--token=tok-123456",
        ]);
        let line = "argv qemu+ssh://admin:s3cret!@node01/system qemu+tls://node02/system?pkipath=/etc/pki/mine&no_verify=1 --password hunter22 --token=tok-123456";
        assert_eq!(
            red.apply(line),
            "argv qemu+ssh://admin:***@node01/system qemu+tls://node02/system?pkipath=***&no_verify=1 --password *** --token=***"
        );
        // Echoed elsewhere, e.g. by the trigger.
        assert_eq!(
            red.apply("ssh: using s3cret! and /etc/pki/mine"),
            "ssh: using *** and ***"
        );
        assert_eq!(red.apply("nothing here"), "nothing here");
    }

    #[test]
    fn plain_command_lines_have_nothing_to_hide() {
        let red = r(&[
            "migprobe",
            "run",
            "--src-uri",
            "qemu:///system?socket=/tmp/s",
            "--domain",
            "vm",
            "--",
            "virsh",
            "migrate",
            "--live",
        ]);
        assert!(red.is_empty());
        assert!(matches!(red.apply("qemu:///system"), Cow::Borrowed(_)));
    }

    #[test]
    fn short_secrets_are_masked_in_their_argument_only() {
        let red = r(&["x", "qemu:///session?password=ab"]);
        assert_eq!(
            red.apply("uri qemu:///session?password=ab, about ab"),
            "uri qemu:///session?password=***, about ab"
        );
    }
}
