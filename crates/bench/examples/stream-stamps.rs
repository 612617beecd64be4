//! How early a TCP stream socket's kernel RX stamp is against the user-space
//! clock read right after `recvmsg`, for `--probe tcp-session:PORT`
//! (docs/probe.md, "TCP sessions"):
//!
//! ```sh
//! cargo run --release -p migprobe-bench --example stream-stamps -- [ROUND_TRIPS]
//! ```
//!
//! An echo thread on loopback; the prober's own [`StreamSocket`] writes one
//! 56-byte message every millisecond and polls for its echo; per read, the
//! user clock after the read minus the kernel's stamp (both CLOCK_REALTIME).
//! Output: one JSON object with the count, the reads without a stamp, and
//! the median, 99th percentile and maximum difference in µs.

use migprobe_probe::sys::realtime_now;
use migprobe_probe::sys::stream::{wait_readable, StreamRead, StreamSocket};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2000);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let port = listener.local_addr().expect("local address").port();
    std::thread::spawn(move || {
        let (mut c, _) = listener.accept().expect("accept");
        let _ = c.set_nodelay(true);
        let mut buf = [0u8; 4096];
        while let Ok(k) = c.read(&mut buf) {
            if k == 0 || c.write_all(&buf[..k]).is_err() {
                return;
            }
        }
    });
    let sock = StreamSocket::connect(
        "127.0.0.1".parse().expect("address"),
        port,
        Duration::from_secs(3),
    )
    .expect("connect");
    let (mut diffs, mut unstamped) = (Vec::with_capacity(n), 0usize);
    let mut buf = [0u8; 4096];
    for _ in 0..n {
        let _ = sock.write(&[0x5a; 56]).expect("write");
        let mut got = 0;
        while got < 56 {
            let _ = wait_readable(&[&sock], 100).expect("poll");
            match sock.read(&mut buf).expect("read") {
                StreamRead::Data(k, stamp) => {
                    let user = realtime_now();
                    got += k;
                    match stamp {
                        Some(s) => diffs.push(user.since(s)),
                        None => unstamped += 1,
                    }
                }
                StreamRead::Closed => panic!("the echo closed"),
                StreamRead::Empty => {}
            }
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    diffs.sort_unstable();
    let q = |p: f64| {
        diffs
            .get(((diffs.len() as f64 - 1.0) * p) as usize)
            .map(|&d| d as f64 / 1e3)
    };
    let out = serde_json::json!({
        "round_trips": n,
        "stamped_reads": diffs.len(),
        "unstamped_reads": unstamped,
        "user_minus_kernel_us_p50": q(0.5),
        "user_minus_kernel_us_p99": q(0.99),
        "user_minus_kernel_us_max": q(1.0),
    });
    let _ = writeln!(std::io::stdout(), "{out}");
}
