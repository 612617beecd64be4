use super::*;
use crate::input::Limits;
use std::io::Read;

/// Three frames of lines, as a writer flushing after each would write them.
const FRAMES: [&str; 3] = [
    "{\"type\":\"header\",\"a\":1}\n{\"type\":\"probe\",\"i\":0}\n",
    "{\"type\":\"probe\",\"i\":1}\n",
    "{\"type\":\"probe\",\"i\":2}\n{\"type\":\"footer\"}\n",
];

fn compact(frames: &[&str]) -> (Vec<u8>, Vec<usize>) {
    let mut out = super::magic().to_vec();
    let mut ends = Vec::new();
    let mut enc = FrameEncoder::new(LEVEL).unwrap();
    for f in frames {
        enc.encode(f.as_bytes(), &mut out).unwrap();
        ends.push(out.len());
    }
    (out, ends)
}

/// The decoded text and damage of `bytes`.
fn read(bytes: &[u8]) -> (String, Vec<Damage>) {
    let (lines, damage) = decode(bytes, Path::new("t"), Limits::RUN_FILE).unwrap();
    let mut text = String::new();
    lines.into_input().read_to_string(&mut text).unwrap();
    (text, damage.take())
}

#[test]
fn frames_decode_to_their_lines_and_zstd_reads_them_too() {
    let (bytes, _) = compact(&FRAMES);
    let (text, damage) = read(&bytes);
    assert_eq!(text, FRAMES.concat());
    assert!(damage.is_empty());
    let plain = zstd::stream::decode_all(&bytes[..]).unwrap();
    assert_eq!(plain, FRAMES.concat().as_bytes(), "a valid zstd stream");
}

#[test]
fn jsonl_passes_through() {
    let text = FRAMES.concat();
    assert_eq!(read(text.as_bytes()), (text, vec![]));
    assert_eq!(read(b""), (String::new(), vec![]));
}

#[test]
fn a_file_cut_anywhere_reads_its_whole_frames_and_says_so() {
    let (bytes, ends) = compact(&FRAMES);
    for cut in MAGIC_LEN..bytes.len() {
        let (text, damage) = read(&bytes[..cut]);
        let whole = ends.iter().filter(|e| **e <= cut).count();
        assert_eq!(text, FRAMES[..whole].concat(), "cut at {cut}");
        let at_boundary = cut == MAGIC_LEN || ends.contains(&cut);
        assert_eq!(damage.len(), usize::from(!at_boundary), "cut at {cut}");
        if let Some(d) = damage.first() {
            assert!(d.why.contains("the file ends"), "{}", d.why);
            let lines = FRAMES[..whole].concat().matches('\n').count() as u64;
            assert_eq!(d.line, lines + 1);
        }
    }
}

#[test]
fn a_damaged_frame_is_skipped_and_the_next_ones_read() {
    let (bytes, ends) = compact(&FRAMES);
    // Every byte of the middle frame's body, flipped in turn.
    for at in ends[0] + 12..ends[1] {
        let mut bad = bytes.clone();
        bad[at] ^= 0x55;
        let (text, damage) = read(&bad);
        assert_eq!(text, [FRAMES[0], FRAMES[2]].concat(), "flip at {at}");
        assert_eq!(damage.len(), 1, "flip at {at}");
    }
    // A broken index: its frame is lost, the next one is found again.
    let mut bad = bytes.clone();
    bad[ends[0]] ^= 0xff;
    let (text, damage) = read(&bad);
    assert_eq!(text, [FRAMES[0], FRAMES[2]].concat());
    assert!(
        damage[0].why.contains("resumed at the next frame"),
        "{damage:?}"
    );
    // A length far too large: nothing after it is believed until a frame start.
    let mut bad = bytes.clone();
    bad[ends[0] + 11] = 0x7f;
    let (text, _) = read(&bad);
    assert_eq!(text, [FRAMES[0], FRAMES[2]].concat());
}

#[test]
fn garbage_never_panics() {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let (bytes, _) = compact(&FRAMES);
    for round in 0..2000 {
        let mut bad = bytes.clone();
        for _ in 0..1 + round % 7 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let at = MAGIC_LEN + (seed as usize) % (bad.len() - MAGIC_LEN);
            bad[at] = (seed >> 32) as u8;
        }
        for input in [&bad[..], &bad[..(seed as usize) % bad.len()]] {
            if let Ok((lines, damage)) = decode(input, Path::new("t"), Limits::RUN_FILE) {
                let mut text = Vec::new();
                let _ = lines.into_input().read_to_end(&mut text);
                let _ = damage.take();
            }
        }
    }
}

#[test]
fn other_skippable_frames_are_skipped_and_other_versions_refused() {
    let (bytes, ends) = compact(&FRAMES);
    let mut extra = bytes[..ends[0]].to_vec();
    extra.extend_from_slice(&0x184D_2A50u32.to_le_bytes());
    extra.extend_from_slice(&3u32.to_le_bytes());
    extra.extend_from_slice(b"new");
    extra.extend_from_slice(&bytes[ends[0]..]);
    assert_eq!(read(&extra), (FRAMES.concat(), vec![]));

    let mut v2 = bytes.clone();
    v2[16] = 2;
    let e = decode(&v2[..], Path::new("t"), Limits::RUN_FILE).unwrap_err();
    assert!(e.to_string().contains("t"), "{e}");
    let why = std::error::Error::source(&e)
        .map(ToString::to_string)
        .unwrap_or_default();
    assert!(why.contains("format version 2"), "{why}");
}

#[test]
fn the_size_cap_counts_file_bytes() {
    let (bytes, _) = compact(&FRAMES);
    let small = Limits {
        max_size: bytes.len() as u64 - 1,
        max_line: 1 << 20,
    };
    let (lines, _) = decode(&bytes[..], Path::new("t"), small).unwrap();
    let mut text = String::new();
    assert!(lines.into_input().read_to_string(&mut text).is_err());
    let fits = Limits {
        max_size: bytes.len() as u64,
        ..small
    };
    let (lines, _) = decode(&bytes[..], Path::new("t"), fits).unwrap();
    assert!(lines.into_input().read_to_string(&mut text).is_ok());
}

#[test]
fn records_come_in_file_order_with_damage_where_it_was() {
    let (bytes, ends) = compact(&FRAMES);
    let mut bad = bytes.clone();
    bad[ends[1] - 3] ^= 1;
    let (lines, damage) = decode(&bad[..], Path::new("t"), Limits::RUN_FILE).unwrap();
    let got: Vec<Record> = RunLines::new(lines, damage).map(Result::unwrap).collect();
    let kinds: Vec<String> = got
        .iter()
        .map(|r| match r {
            Record::Line(n, _) => format!("line {n}"),
            Record::Unknown(n, t) => format!("unknown {n} {t}"),
            Record::Bad(n, _) => format!("bad {n}"),
        })
        .collect();
    // The header and probes are not of their type's shape here: bad lines.
    assert_eq!(kinds, ["bad 1", "bad 2", "bad 3", "bad 3", "bad 4"]);
    assert!(matches!(&got[2], Record::Bad(_, why) if why.contains("damaged frame")));
}

#[test]
fn names_say_the_format() {
    assert_eq!(
        RunFormat::for_path(Path::new("a/run.jsonl")),
        RunFormat::Jsonl
    );
    assert_eq!(
        RunFormat::for_path(Path::new("run.jsonl.zst")),
        RunFormat::Compact
    );
    assert_eq!(RunFormat::for_path(Path::new("run")), RunFormat::Compact);
    assert_eq!(RunFormat::default().file_name(), "run.jsonl.zst");
}

#[test]
fn frames_appended_after_a_cut_frame_are_read() {
    let (bytes, ends) = compact(&FRAMES);
    // Killed in its last frame, then appended to (e.g. `import` of events).
    let mut appended = bytes[..ends[2] - 7].to_vec();
    appended.extend_from_slice(&bytes[ends[1]..]);
    let (text, damage) = read(&appended);
    assert_eq!(text, FRAMES.concat());
    assert_eq!(damage.len(), 1, "{damage:?}");
    assert!(damage[0].why.contains("damaged frame"), "{damage:?}");
}
