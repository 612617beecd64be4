use super::*;
use std::fs;

/// The names in `dir`, sorted.
pub(super) fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn run_like(dir: &Path, force: bool) -> OutputSet {
    OutputSet::in_dir("--out", dir, Policy::Fresh { force })
        .with_each(["summary.md", "report.json"], Kind::Finished)
        .with("run.jsonl", Kind::Stream)
}

/// Makes `link` a link to a new file holding "precious" in `dir`; returns that file.
pub(super) fn link_to_precious(dir: &Path, link: &Path) -> PathBuf {
    let target = dir.join("precious.txt");
    fs::write(&target, "precious").unwrap();
    std::os::unix::fs::symlink(&target, link).unwrap();
    target
}

/// True when the file made by [`link_to_precious`] still holds "precious".
pub(super) fn untouched(target: &Path) -> bool {
    fs::read_to_string(target).unwrap() == "precious"
}

#[test]
fn a_link_inside_the_directory_is_refused_even_with_force() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    fs::create_dir(&out).unwrap();
    let victim = link_to_precious(d.path(), &out.join("summary.md"));
    for force in [false, true] {
        let e = run_like(&out, force).prepare().unwrap_err().to_string();
        assert!(
            e.contains("summary.md is a symbolic link") && e.contains(&*victim.to_string_lossy()),
            "{e}"
        );
    }
    assert!(untouched(&victim));
    assert!(fs::symlink_metadata(out.join("summary.md"))
        .unwrap()
        .is_symlink());
    assert_eq!(names(&out), ["summary.md"], "nothing created");
}

#[test]
fn an_earlier_run_is_refused_then_removed_with_force() {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("run.jsonl"), "earlier\n").unwrap();
    fs::write(d.path().join("report.json"), "{}").unwrap();
    fs::write(d.path().join("notes.txt"), "mine").unwrap();
    let e = run_like(d.path(), false).check().unwrap_err().to_string();
    assert!(
        e.contains("holds an earlier run (report.json, run.jsonl)") && e.contains("--force"),
        "{e}"
    );
    let set = run_like(d.path(), true);
    set.prepare().unwrap();
    assert_eq!(
        names(d.path()),
        ["notes.txt"],
        "earlier files gone, no temporary file"
    );
    set.create_stream(&d.path().join("run.jsonl")).unwrap();
    assert!(
        set.create_stream(&d.path().join("run.jsonl")).is_err(),
        "never truncated"
    );
}

#[test]
fn replaced_files_stay_until_written_and_a_file_set_needs_its_directory() {
    let d = tempfile::tempdir().unwrap();
    let report = d.path().join("report.json");
    fs::write(&report, "old").unwrap();
    OutputSet::in_dir("--out", d.path(), Policy::Replace)
        .with("report.json", Kind::Finished)
        .prepare()
        .unwrap();
    assert_eq!(fs::read_to_string(&report).unwrap(), "old");
    let missing = d.path().join("no/gate.xml");
    let e = OutputSet::file("--junit", &missing, Kind::Finished, Policy::Replace)
        .prepare()
        .unwrap_err();
    assert!(format!("{e:#}").contains("cannot write there"), "{e:#}");
    assert!(!d.path().join("no").exists());
    let e = OutputSet::run_file(Some(d.path()), false).unwrap_err();
    assert!(e.to_string().contains("is a directory"), "{e}");
    let e = run_like(&report, false).check().unwrap_err();
    assert!(e.to_string().contains("a file of that name exists"), "{e}");
}

#[test]
fn a_linked_out_directory_is_followed() {
    let d = tempfile::tempdir().unwrap();
    let real = d.path().join("real");
    fs::create_dir(&real).unwrap();
    let link = d.path().join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let set = run_like(&link, false);
    set.prepare().unwrap();
    set.create_stream(&link.join("run.jsonl")).unwrap();
    assert_eq!(names(&real), ["run.jsonl"]);
}
