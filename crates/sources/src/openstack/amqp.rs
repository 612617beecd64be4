//! nova's versioned notifications from the message bus: a minimal AMQP 0-9-1
//! consumer (PLAIN login, no TLS, no heartbeats) with a queue of its own,
//! exclusive and deleted when it leaves, bound to nova's exchange for
//! `versioned_notifications.info` and `.error`. Nothing is taken from nova's
//! own queues: every consumer sees every notification.

mod wire;

use super::cloud::Secret;
use migprobe_probe::redact::Redactor;
use migprobe_probe::values::{bad, ConfigError};
use std::io::{self, BufReader, BufWriter, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;
use wire::{method, read_frame, write_method, Args, Cursor, Frame};

/// Where the bus is: nova's `transport_url` (`rabbit://user:pass@host:5672/vhost`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusUrl {
    /// Host name or address.
    pub host: String,
    /// TCP port (5672).
    pub port: u16,
    /// The user.
    pub user: String,
    /// The password.
    pub password: Secret,
    /// The virtual host (`/` by default).
    pub vhost: String,
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
        match (b[i], hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses a transport URL; with several hosts, the first.
pub fn parse_url(flag: &str, url: &str) -> Result<BusUrl, ConfigError> {
    let why =
        "write nova's transport_url, e.g. rabbit://USER:PASSWORD@HOST:5672/ (TLS is not supported)";
    let shown = Redactor::from_args(&[url.to_owned()])
        .apply(url)
        .into_owned();
    let rest = url
        .strip_prefix("rabbit://")
        .or_else(|| url.strip_prefix("amqp://"))
        .ok_or_else(|| bad(flag, &shown, why))?;
    let (hosts, vhost) = rest.split_once('/').unwrap_or((rest, ""));
    let first = hosts.split(',').next().unwrap_or("");
    let (auth, hostport) = first
        .rsplit_once('@')
        .ok_or_else(|| bad(flag, &shown, why))?;
    let (user, password) = auth.split_once(':').unwrap_or((auth, ""));
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) => (h, p.parse::<u16>().map_err(|_| bad(flag, &shown, why))?),
        None => (hostport, 5672),
    };
    if host.is_empty() || user.is_empty() {
        return Err(bad(flag, &shown, why));
    }
    let vhost = vhost.split('?').next().unwrap_or("");
    Ok(BusUrl {
        host: host.trim_matches(['[', ']']).to_owned(),
        port,
        user: percent_decode(user),
        password: Secret(percent_decode(password)),
        vhost: if vhost.is_empty() {
            "/".into()
        } else {
            percent_decode(vhost)
        },
    })
}

/// A consumer bound to nova's notifications.
pub struct Consumer {
    reader: BufReader<TcpStream>,
    stream: TcpStream,
}

/// How long the handshake's steps may take.
const HANDSHAKE: Duration = Duration::from_secs(10);

impl Consumer {
    /// Connects, logs in, and binds a queue of its own to `exchange` for `keys`.
    pub fn connect(url: &BusUrl, exchange: &str, keys: &[&str]) -> io::Result<Consumer> {
        let addr = (url.host.as_str(), url.port)
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| {
                io::Error::new(io::ErrorKind::NotFound, "no address for the bus host")
            })?;
        let stream = TcpStream::connect_timeout(&addr, HANDSHAKE)?;
        stream.set_read_timeout(Some(HANDSHAKE))?;
        let mut c = Consumer {
            reader: BufReader::new(stream.try_clone()?),
            stream,
        };
        c.handshake(url)?;
        c.subscribe(exchange, keys)?;
        c.stream.set_read_timeout(None)?;
        Ok(c)
    }

    /// A handle that stops [`Consumer::next_message`] from another thread (shut it down).
    pub fn stopper(&self) -> io::Result<TcpStream> {
        self.stream.try_clone()
    }

    fn send(&mut self, channel: u16, class: u16, id: u16, args: Args) -> io::Result<()> {
        let mut w = BufWriter::new(&self.stream);
        write_method(&mut w, channel, class, id, &args.0)?;
        w.flush()
    }

    /// The next method frame, which must be `class`.`id`.
    fn expect(&mut self, class: u16, id: u16) -> io::Result<Frame> {
        loop {
            let f = read_frame(&mut self.reader)?;
            if f.kind == wire::HEARTBEAT {
                continue;
            }
            let (c, m, mut args) = method(&f)?;
            if (c, m) == (class, id) {
                return Ok(f);
            }
            return Err(refusal(c, m, &mut args));
        }
    }

    fn handshake(&mut self, url: &BusUrl) -> io::Result<()> {
        self.stream.write_all(wire::PROTOCOL_HEADER)?;
        self.expect(10, 10)?; // Connection.Start
        let mut login = vec![0u8];
        login.extend_from_slice(url.user.as_bytes());
        login.push(0);
        login.extend_from_slice(url.password.0.as_bytes());
        let start_ok = Args::default()
            .table()
            .short("PLAIN")
            .long(&login)
            .short("en_US");
        self.send(0, 10, 11, start_ok)?;
        let tune = self.expect(10, 30)?;
        let (_, _, mut t) = method(&tune)?;
        let channels = t.u16()?;
        let frame_max = t.u32()?;
        let frame_max = if frame_max == 0 {
            wire::FRAME_MAX
        } else {
            frame_max.min(wire::FRAME_MAX)
        };
        self.send(
            0,
            10,
            31,
            Args::default().u16(channels).u32(frame_max).u16(0),
        )?;
        self.send(0, 10, 40, Args::default().short(&url.vhost).short("").u8(0))?;
        self.expect(10, 41)?;
        self.send(1, 20, 10, Args::default().short(""))?;
        self.expect(20, 11).map(drop)
    }

    fn subscribe(&mut self, exchange: &str, keys: &[&str]) -> io::Result<()> {
        // nova's exchange as oslo.messaging declares it: topic, not durable, not auto-deleted.
        let declare = Args::default()
            .u16(0)
            .short(exchange)
            .short("topic")
            .u8(0)
            .table();
        self.send(1, 40, 10, declare)?;
        self.expect(40, 11)?;
        // Our own queue: server-named, exclusive, auto-deleted.
        self.send(
            1,
            50,
            10,
            Args::default().u16(0).short("").u8(0b0000_1100).table(),
        )?;
        let ok = self.expect(50, 11)?;
        let queue = method(&ok)?.2.short()?;
        for key in keys {
            let bind = Args::default()
                .u16(0)
                .short(&queue)
                .short(exchange)
                .short(key)
                .u8(0)
                .table();
            self.send(1, 50, 20, bind)?;
            self.expect(50, 21)?;
        }
        // no-ack: nothing to acknowledge, the queue is ours.
        self.send(
            1,
            60,
            20,
            Args::default()
                .u16(0)
                .short(&queue)
                .short("")
                .u8(0b10)
                .table(),
        )?;
        self.expect(60, 21).map(drop)
    }

    /// The body of the next message; an error when the connection ends.
    pub fn next_message(&mut self) -> io::Result<Vec<u8>> {
        loop {
            let f = read_frame(&mut self.reader)?;
            if f.kind != wire::METHOD {
                continue;
            }
            let (c, m, mut args) = method(&f)?;
            if (c, m) != (60, 60) {
                return Err(refusal(c, m, &mut args));
            }
            let header = read_frame(&mut self.reader)?;
            if header.kind != wire::HEADER {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "an AMQP delivery without its header",
                ));
            }
            let mut h = Cursor(&header.payload);
            let (_class, _weight, size) = (h.u16()?, h.u16()?, h.u64()?);
            let mut body = Vec::new();
            while (body.len() as u64) < size {
                let part = read_frame(&mut self.reader)?;
                if part.kind != wire::BODY {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "an AMQP delivery cut short",
                    ));
                }
                body.extend_from_slice(&part.payload);
            }
            return Ok(body);
        }
    }
}

/// The server's Connection.Close / Channel.Close, or an unexpected method, as an error.
fn refusal(class: u16, id: u16, args: &mut Cursor<'_>) -> io::Error {
    let text = if matches!((class, id), (10, 50) | (20, 40)) {
        let code = args.u16().unwrap_or(0);
        format!(
            "the bus closed the {}: {code} {}",
            if class == 10 { "connection" } else { "channel" },
            args.short().unwrap_or_default()
        )
    } else {
        format!("unexpected AMQP method {class}.{id}")
    };
    io::Error::new(io::ErrorKind::ConnectionRefused, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_urls_as_nova_writes_them() {
        let u = parse_url("--f", "rabbit://nova:p%40ss@192.0.2.5:5672/").unwrap();
        assert_eq!(
            (
                u.host.as_str(),
                u.port,
                u.user.as_str(),
                u.password.0.as_str(),
                u.vhost.as_str()
            ),
            ("192.0.2.5", 5672, "nova", "p@ss", "/")
        );
        let u = parse_url("--f", "rabbit://a:b@h1:5671,a:b@h2:5671/cloud?ssl=0").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.vhost.as_str()),
            ("h1", 5671, "cloud")
        );
        assert_eq!(
            parse_url("--f", "amqp://u:p@[2001:db8::5]:5672/")
                .unwrap()
                .host,
            "2001:db8::5"
        );
        for bad in [
            "http://u:p@h/",
            "rabbit://h:5672/",
            "rabbit://u:p@h:x/",
            "rabbit://u:p@/",
        ] {
            let e = parse_url("--f", bad).unwrap_err();
            assert!(!e.value.contains(":p@"), "the password is never shown: {e}");
        }
    }
}
