//! The trigger's placeholders: `{src_uri}`, `{dst_uri}` (the libvirt URIs)
//! and `{src}`, `{dst}` (their host names), swapped on the way back.

/// The two hypervisors' libvirt URIs and host names, as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoints {
    uris: (String, String),
    hosts: (String, String),
}

impl Endpoints {
    /// From the source's and the destination's URI (empty when not given).
    pub(crate) fn new(src_uri: String, dst_uri: String) -> Endpoints {
        let hosts = (uri_host(&src_uri, "src"), uri_host(&dst_uri, "dst"));
        Endpoints {
            uris: (src_uri, dst_uri),
            hosts,
        }
    }

    /// `argv` with the placeholders replaced; source and destination swapped when `swap`.
    pub(crate) fn expand(&self, argv: &[String], swap: bool) -> Vec<String> {
        let ((su, du), (sh, dh)) = if swap {
            ((&self.uris.1, &self.uris.0), (&self.hosts.1, &self.hosts.0))
        } else {
            ((&self.uris.0, &self.uris.1), (&self.hosts.0, &self.hosts.1))
        };
        argv.iter()
            .map(|a| {
                a.replace("{src_uri}", su)
                    .replace("{dst_uri}", du)
                    .replace("{src}", sh)
                    .replace("{dst}", dh)
            })
            .collect()
    }
}

/// The host part of a libvirt URI (`qemu+ssh://node02/system` → `node02`), or `fallback`.
fn uri_host(uri: &str, fallback: &str) -> String {
    uri.split_once("://")
        .map(|(_, rest)| rest.split(['/', '?']).next().unwrap_or(""))
        .map(|h| h.rsplit('@').next().unwrap_or(h))
        .filter(|h| !h.is_empty())
        .unwrap_or(fallback)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_swap_on_the_way_back() {
        let argv: Vec<String> = [
            "virsh",
            "-c",
            "{src_uri}",
            "migrate",
            "vm",
            "{dst_uri}",
            "{src}->{dst}",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let (src, dst) = ("qemu+ssh://root@node01/system", "qemu+ssh://node02/system");
        let ends = Endpoints::new(src.into(), dst.into());
        assert_eq!(ends.hosts, ("node01".to_string(), "node02".to_string()));
        let fwd = ends.expand(&argv, false);
        assert_eq!((fwd[2].as_str(), fwd[5].as_str()), (src, dst));
        assert_eq!(fwd[6], "node01->node02");
        let back = ends.expand(&argv, true);
        assert_eq!(
            (back[2].as_str(), back[5].as_str(), back[6].as_str()),
            (dst, src, "node02->node01")
        );
        assert_eq!(uri_host("qemu:///system?socket=/x", "src"), "src");
        assert_eq!(
            Endpoints::new(String::new(), String::new()).expand(&argv, true)[6],
            "dst->src"
        );
    }
}
