//! `--push URL`: the final figures PUT to a Prometheus Pushgateway at
//! `URL/metrics/job/<job>/instance/<instance>[/campaign/<campaign>]` (PUT:
//! they replace that group's earlier figures). Plain HTTP; user info in the
//! URL (`http://user:pass@host`) becomes basic authentication and is never
//! printed: messages show [`PushTarget::shown`].

use super::http::{exchange, CONTENT_TYPE, IO_TIMEOUT};
use super::url::{base64_std, base64_url, HttpUrl};
use anyhow::{bail, Context, Result};
use std::net::{TcpStream, ToSocketAddrs};

/// Where and under which grouping the figures go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PushTarget {
    url: HttpUrl,
    /// The grouping key: (label, value), job first.
    grouping: Vec<(&'static str, String)>,
}

/// One grouping-key segment pair: `/label/value`, or `/label@base64/…` for a
/// value that is empty or not plain (`/`, spaces, `%`, `.` or `..`).
fn segment(label: &str, value: &str) -> String {
    let plain = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.~".contains(c));
    if plain && !value.is_empty() && value != "." && value != ".." {
        format!("/{label}/{value}")
    } else {
        // An empty value is written `=` (the Pushgateway's rule).
        let coded = base64_url(value.as_bytes());
        format!(
            "/{label}@base64/{}",
            if coded.is_empty() { "=" } else { &coded }
        )
    }
}

impl PushTarget {
    /// `--push URL` with the grouping `job`, `instance` and, when given, `campaign`.
    pub(crate) fn new(
        url: &str,
        job: &str,
        instance: &str,
        campaign: Option<&str>,
    ) -> Result<PushTarget> {
        let url = HttpUrl::parse(url).map_err(|e| anyhow::anyhow!("--push: {e}"))?;
        let mut grouping = vec![("job", job.to_owned()), ("instance", instance.to_owned())];
        grouping.extend(campaign.map(|c| ("campaign", c.to_owned())));
        Ok(PushTarget { url, grouping })
    }

    /// The path of the group: `/metrics/job/…`.
    fn path(&self) -> String {
        let key: String = self.grouping.iter().map(|(l, v)| segment(l, v)).collect();
        format!("{}/metrics{key}", self.url.path)
    }

    /// The group's URL without user info, for messages.
    pub(crate) fn shown(&self) -> String {
        format!("http://{}{}", self.url.authority(), self.path())
    }

    /// The PUT request carrying `body`.
    fn request(&self, body: &[u8]) -> Vec<u8> {
        let auth = self
            .url
            .userinfo
            .as_ref()
            .map(|u| format!("Authorization: Basic {}\r\n", base64_std(u.as_bytes())))
            .unwrap_or_default();
        let mut req = format!(
            "PUT {} HTTP/1.1\r\nHost: {}\r\nContent-Type: {CONTENT_TYPE}\r\nContent-Length: {}\r\n{auth}Connection: close\r\n\r\n",
            self.path(),
            self.url.authority(),
            body.len()
        )
        .into_bytes();
        req.extend_from_slice(body);
        req
    }

    /// Pushes `body` (a text exposition); an error says what the gateway answered.
    pub(crate) fn push(&self, body: &[u8]) -> Result<()> {
        let shown = self.shown();
        let addr = (self.url.host.as_str(), self.url.port)
            .to_socket_addrs()
            .with_context(|| format!("--push {shown}: cannot resolve the host"))?
            .next()
            .with_context(|| format!("--push {shown}: the host has no address"))?;
        let mut s = TcpStream::connect_timeout(&addr, IO_TIMEOUT)
            .with_context(|| format!("--push {shown}: cannot connect to {addr}"))?;
        let _ = s.set_read_timeout(Some(IO_TIMEOUT));
        let _ = s.set_write_timeout(Some(IO_TIMEOUT));
        let r = exchange(&mut s, &self.request(body))
            .with_context(|| format!("--push {shown}: no answer"))?;
        if !(200..300).contains(&r.status) {
            bail!(
                "--push {shown}: the Pushgateway answered {}{}",
                r.status_line,
                if r.body_line.is_empty() {
                    String::new()
                } else {
                    format!(": {}", r.body_line)
                }
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grouping_path_escapes_values_that_are_not_plain() {
        let p =
            PushTarget::new("http://gw:9091/", "migprobe", "prober-1", Some("night/42")).unwrap();
        assert_eq!(
            p.path(),
            "/metrics/job/migprobe/instance/prober-1/campaign@base64/bmlnaHQvNDI="
        );
        assert_eq!(segment("instance", ""), "/instance@base64/=");
        assert_eq!(segment("a", ".."), "/a@base64/Li4=");
        let p = PushTarget::new("http://u:secret@[2001:db8::1]/pg", "j", "i", None).unwrap();
        assert_eq!(
            p.shown(),
            "http://[2001:db8::1]:80/pg/metrics/job/j/instance/i"
        );
    }

    #[test]
    fn the_request_carries_the_body_and_basic_auth_but_messages_do_not() {
        let p = PushTarget::new("http://user:secret@127.0.0.1:9091", "j", "i", None).unwrap();
        let req = String::from_utf8(p.request(b"x 1\n")).unwrap();
        assert!(
            req.starts_with("PUT /metrics/job/j/instance/i HTTP/1.1\r\n"),
            "{req}"
        );
        assert!(
            req.contains("Authorization: Basic dXNlcjpzZWNyZXQ=\r\n"),
            "{req}"
        );
        assert!(req.ends_with("\r\n\r\nx 1\n"));
        assert!(!p.shown().contains("secret"));
        let e = PushTarget::new("http://user:secret@127.0.0.1:1", "j", "i", None)
            .unwrap()
            .push(b"")
            .unwrap_err();
        assert!(!format!("{e:#}").contains("secret"), "{e:#}");
    }
}
