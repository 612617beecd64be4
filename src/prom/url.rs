//! `http://[user:pass@]host[:port][/path]`, as much of a URL as `--push`
//! takes, and the base64 that basic authentication and the Pushgateway's
//! grouping key use.

use std::fmt;

/// A plain-HTTP URL.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct HttpUrl {
    /// Host name or address (an IPv6 one without brackets).
    pub(crate) host: String,
    /// Port (80 when not given).
    pub(crate) port: u16,
    /// Path prefix without a trailing `/` ("" for none).
    pub(crate) path: String,
    /// `user:pass` from the URL, secret: never printed.
    pub(crate) userinfo: Option<String>,
}

/// Debug without the user info.
impl fmt::Debug for HttpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "http://{}{}", self.authority(), self.path)
    }
}

impl HttpUrl {
    /// Parses `text`; the error says what is wrong and never repeats user info.
    pub(crate) fn parse(text: &str) -> Result<HttpUrl, String> {
        let rest = text.strip_prefix("http://").ok_or_else(|| {
            let scheme = text.split_once("://").map_or("none", |(s, _)| s);
            format!("the URL must start with http:// (scheme: {scheme}; https is not supported: use a proxy or plain HTTP on a trusted network)")
        })?;
        if rest.contains(['?', '#']) || rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(
                "the URL may not have a query, a fragment, spaces or control characters".into(),
            );
        }
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u.to_owned()), h),
            None => (None, authority),
        };
        let (host, port) = split_host_port(hostport)?;
        Ok(HttpUrl {
            host,
            port,
            path: path.trim_end_matches('/').to_owned(),
            userinfo,
        })
    }

    /// `host:port` as written in a URL and a Host header (IPv6 in brackets).
    pub(crate) fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// `host`, `host:port`, `[v6]` or `[v6]:port`.
fn split_host_port(s: &str) -> Result<(String, u16), String> {
    let (host, port) = match s.strip_prefix('[') {
        Some(v6) => {
            let (h, after) = v6
                .split_once(']')
                .ok_or("an IPv6 host without its closing ]")?;
            (h, after.strip_prefix(':'))
        }
        None => match s.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        },
    };
    if host.is_empty() {
        return Err("the URL has no host".into());
    }
    let port = match port {
        None => 80,
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|&p| p > 0)
            .ok_or_else(|| format!("bad port {p:?}"))?,
    };
    Ok((host.to_owned(), port))
}

/// Base64 with the URL-safe alphabet (RFC 4648 §5) and padding: what the
/// Pushgateway's `@base64` grouping values take.
pub(crate) fn base64_url(bytes: &[u8]) -> String {
    encode(
        bytes,
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
    )
}

/// Standard base64 (RFC 4648 §4), for basic authentication.
pub(crate) fn base64_std(bytes: &[u8]) -> String {
    encode(
        bytes,
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
    )
}

/// Base64 of `bytes` with alphabet `abc`, padded.
fn encode(bytes: &[u8], abc: &[u8; 64]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(abc[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = HttpUrl::parse("http://u:p@gw.example:9091/prefix/").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.path.as_str()),
            ("gw.example", 9091, "/prefix")
        );
        assert_eq!(u.userinfo.as_deref(), Some("u:p"));
        assert_eq!(format!("{u:?}"), "http://gw.example:9091/prefix");
        let v6 = HttpUrl::parse("http://[::1]").unwrap();
        assert_eq!(
            (v6.host.as_str(), v6.port, v6.authority()),
            ("::1", 80, "[::1]:80".to_owned())
        );
        for bad in [
            "https://gw",
            "gw:9091",
            "http://",
            "http://gw:0",
            "http://gw:x",
            "http://gw/?a",
            "http://[::1",
            "http://g w",
        ] {
            assert!(HttpUrl::parse(bad).is_err(), "{bad}");
        }
        let e = HttpUrl::parse("https://u:secret@gw").unwrap_err();
        assert!(!e.contains("secret"), "{e}");
    }

    #[test]
    fn base64_of_rfc_4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, coded) in cases {
            assert_eq!(base64_std(plain.as_bytes()), coded);
        }
        assert_eq!(base64_url(&[0xfb, 0xff]), "-_8=");
        assert_eq!(base64_std(&[0xfb, 0xff]), "+/8=");
    }
}
