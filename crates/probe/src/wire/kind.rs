//! What a probe is: an ICMP echo request, a TCP SYN to a port, a UDP
//! datagram to a port, or a numbered message on an established TCP
//! connection to a port. Written `icmp`, `tcp:PORT`, `udp:PORT`,
//! `tcp-session:PORT` on the command line and in the run file.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// The kind of probe sent to a target.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum ProbeKind {
    /// ICMP / ICMPv6 echo request; the echo reply is the answer.
    #[default]
    Icmp,
    /// TCP SYN to the port; a SYN-ACK or an RST from the target is the answer.
    Tcp(u16),
    /// UDP datagram to the port; an ICMP port unreachable or a UDP reply is the answer.
    Udp(u16),
    /// A numbered message written on one established TCP connection to the
    /// port (an echo service); the moment its bytes come back is the answer.
    TcpSession(u16),
}

/// Why a probe kind could not be read; the text says what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0}; use icmp, tcp:PORT, udp:PORT or tcp-session:PORT with PORT 1-65535 \
     (e.g. tcp:22, udp:33434, tcp-session:7)"
)]
pub struct KindError(String);

impl ProbeKind {
    /// The destination port of TCP and UDP probes.
    pub fn port(self) -> Option<u16> {
        match self {
            ProbeKind::Icmp => None,
            ProbeKind::Tcp(p) | ProbeKind::Udp(p) | ProbeKind::TcpSession(p) => Some(p),
        }
    }

    /// The kind's name without the port: `icmp`, `tcp`, `udp` or `tcp-session`.
    pub fn protocol(self) -> &'static str {
        match self {
            ProbeKind::Icmp => "icmp",
            ProbeKind::Tcp(_) => "tcp",
            ProbeKind::Udp(_) => "udp",
            ProbeKind::TcpSession(_) => "tcp-session",
        }
    }
}

impl fmt::Display for ProbeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.port() {
            None => f.write_str(self.protocol()),
            Some(p) => write!(f, "{}:{p}", self.protocol()),
        }
    }
}

impl FromStr for ProbeKind {
    type Err = KindError;

    fn from_str(s: &str) -> Result<ProbeKind, KindError> {
        let lower = s.trim().to_ascii_lowercase();
        if lower == "icmp" {
            return Ok(ProbeKind::Icmp);
        }
        let Some((proto, port)) = lower.split_once(':') else {
            return Err(KindError(format!("{s:?} is not a probe kind")));
        };
        let port = match port.parse::<u16>() {
            Ok(p) if p > 0 => p,
            _ => return Err(KindError(format!("{port:?} is not a port"))),
        };
        match proto {
            "tcp" => Ok(ProbeKind::Tcp(port)),
            "udp" => Ok(ProbeKind::Udp(port)),
            "tcp-session" => Ok(ProbeKind::TcpSession(port)),
            _ => Err(KindError(format!("{proto:?} is not a probe protocol"))),
        }
    }
}

impl Serialize for ProbeKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ProbeKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ProbeKind, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_every_kind() {
        for (text, kind) in [
            ("icmp", ProbeKind::Icmp),
            ("tcp:9", ProbeKind::Tcp(9)),
            ("udp:65535", ProbeKind::Udp(65535)),
            ("tcp-session:7", ProbeKind::TcpSession(7)),
        ] {
            assert_eq!(text.parse::<ProbeKind>(), Ok(kind));
            assert_eq!(kind.to_string(), text);
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{text}\""));
            assert_eq!(serde_json::from_str::<ProbeKind>(&json).unwrap(), kind);
        }
        assert_eq!("TCP:22".parse::<ProbeKind>(), Ok(ProbeKind::Tcp(22)));
    }

    #[test]
    fn refuses_what_is_not_a_kind() {
        for bad in [
            "",
            "tcp",
            "tcp:",
            "tcp:0",
            "udp:65536",
            "sctp:9",
            "icmp:1",
            "tcp:-1",
            "tcp:x",
            "tcp-session",
            "tcp-session:0",
            "tcp_session:7",
        ] {
            let e = bad.parse::<ProbeKind>().unwrap_err();
            assert!(e.to_string().contains("tcp:PORT"), "{bad}: {e}");
        }
        assert!(serde_json::from_str::<ProbeKind>("\"tcp:0\"").is_err());
    }
}
