//! AMQP 0-9-1 framing, as much as a notification listener needs: frames,
//! method payloads, short and long strings, empty tables.

use std::io::{self, Read, Write};

/// The protocol header a client opens with.
pub(super) const PROTOCOL_HEADER: &[u8; 8] = b"AMQP\x00\x00\x09\x01";
/// Frame types.
pub(super) const METHOD: u8 = 1;
pub(super) const HEADER: u8 = 2;
pub(super) const BODY: u8 = 3;
pub(super) const HEARTBEAT: u8 = 8;
const FRAME_END: u8 = 0xCE;
/// The largest frame accepted (the server's frame-max is asked to be this).
pub(super) const FRAME_MAX: u32 = 131_072;

/// One frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Frame {
    pub(super) kind: u8,
    pub(super) channel: u16,
    pub(super) payload: Vec<u8>,
}

fn bad(why: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why.into())
}

/// Reads one frame.
pub(super) fn read_frame(r: &mut impl Read) -> io::Result<Frame> {
    let mut head = [0u8; 7];
    r.read_exact(&mut head)?;
    let size = u32::from_be_bytes([head[3], head[4], head[5], head[6]]);
    if size > FRAME_MAX {
        return Err(bad(format!(
            "an AMQP frame of {size} bytes (at most {FRAME_MAX})"
        )));
    }
    let mut payload = vec![0u8; size as usize + 1];
    r.read_exact(&mut payload)?;
    if payload.pop() != Some(FRAME_END) {
        return Err(bad("an AMQP frame without its end marker"));
    }
    Ok(Frame {
        kind: head[0],
        channel: u16::from_be_bytes([head[1], head[2]]),
        payload,
    })
}

/// Writes a method frame: class, method, arguments.
pub(super) fn write_method(
    w: &mut impl Write,
    channel: u16,
    class: u16,
    method: u16,
    args: &[u8],
) -> io::Result<()> {
    let mut payload = Vec::with_capacity(4 + args.len());
    payload.extend_from_slice(&class.to_be_bytes());
    payload.extend_from_slice(&method.to_be_bytes());
    payload.extend_from_slice(args);
    let mut frame = vec![METHOD];
    frame.extend_from_slice(&channel.to_be_bytes());
    frame.extend_from_slice(
        &u32::try_from(payload.len())
            .map_err(|_| bad("argument too long"))?
            .to_be_bytes(),
    );
    frame.extend_from_slice(&payload);
    frame.push(FRAME_END);
    w.write_all(&frame)
}

/// Method arguments, built in order.
#[derive(Debug, Default)]
pub(super) struct Args(pub(super) Vec<u8>);

impl Args {
    pub(super) fn u8(mut self, v: u8) -> Self {
        self.0.push(v);
        self
    }
    pub(super) fn u16(mut self, v: u16) -> Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    pub(super) fn u32(mut self, v: u32) -> Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    /// A short string (at most 255 bytes: longer is cut).
    pub(super) fn short(mut self, s: &str) -> Self {
        let b = &s.as_bytes()[..s.len().min(255)];
        self.0.push(b.len() as u8);
        self.0.extend_from_slice(b);
        self
    }
    pub(super) fn long(self, b: &[u8]) -> Self {
        let mut a = self.u32(u32::try_from(b.len()).unwrap_or(u32::MAX));
        a.0.extend_from_slice(b);
        a
    }
    /// An empty field table.
    pub(super) fn table(self) -> Self {
        self.u32(0)
    }
}

/// Reads method arguments in order.
pub(super) struct Cursor<'a>(pub(super) &'a [u8]);

impl Cursor<'_> {
    fn take(&mut self, n: usize) -> io::Result<&[u8]> {
        if self.0.len() < n {
            return Err(bad("a truncated AMQP method"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    pub(super) fn u16(&mut self) -> io::Result<u16> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    pub(super) fn u32(&mut self) -> io::Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    pub(super) fn u64(&mut self) -> io::Result<u64> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_be_bytes(a))
    }
    pub(super) fn short(&mut self) -> io::Result<String> {
        let n = self.take(1)?[0] as usize;
        Ok(String::from_utf8_lossy(self.take(n)?).into_owned())
    }
}

/// A method frame's class and method IDs and its arguments.
pub(super) fn method(f: &Frame) -> io::Result<(u16, u16, Cursor<'_>)> {
    if f.kind != METHOD {
        return Err(bad(format!(
            "an AMQP frame of type {} where a method was expected",
            f.kind
        )));
    }
    let mut c = Cursor(&f.payload);
    let class = c.u16()?;
    let id = c.u16()?;
    Ok((class, id, c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_method_frame_reads_back() {
        let mut buf = Vec::new();
        let args = Args::default()
            .u16(0)
            .short("q")
            .short("nova")
            .short("versioned_notifications.info")
            .u8(0)
            .table();
        write_method(&mut buf, 1, 50, 20, &args.0).unwrap();
        let f = read_frame(&mut buf.as_slice()).unwrap();
        let (class, id, mut c) = method(&f).unwrap();
        assert_eq!((f.channel, class, id, c.u16().unwrap()), (1, 50, 20, 0));
        assert_eq!(c.short().unwrap(), "q");
        assert_eq!(c.short().unwrap(), "nova");
    }

    #[test]
    fn damaged_frames_are_errors_not_panics() {
        let mut buf = Vec::new();
        write_method(&mut buf, 0, 10, 11, &[1, 2, 3]).unwrap();
        let last = buf.len() - 1;
        buf[last] = 0;
        assert!(read_frame(&mut buf.as_slice()).is_err());
        assert!(read_frame(&mut [1u8, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF].as_slice()).is_err());
        assert!(Cursor(&[5, b'a']).short().is_err());
        assert!(read_frame(&mut [1u8, 0].as_slice()).is_err());
    }
}
