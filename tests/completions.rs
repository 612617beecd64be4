//! `migprobe completions SHELL` and `migprobe man` through the real binary:
//! each output is non-empty and names the subcommands; an unknown shell is
//! exit 2 naming the choices.

mod bin;

use bin::migprobe;

const SUBCOMMANDS: [&str; 7] = [
    "run", "report", "probe", "summary", "gate", "import", "compare",
];

#[test]
fn completions_for_bash_zsh_and_fish() {
    for shell in ["bash", "zsh", "fish"] {
        let o = migprobe(&["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}");
        let s = String::from_utf8_lossy(&o.stdout);
        assert!(s.len() > 1000, "{shell}: {} bytes", s.len());
        for sub in SUBCOMMANDS {
            assert!(s.contains(sub), "{shell} completions lack {sub}");
        }
    }
    let o = migprobe(&["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("tcsh") && e.contains("bash"), "{e}");
}

#[test]
fn man_page_is_roff_naming_the_subcommands() {
    let o = migprobe(&["man"]);
    assert_eq!(o.status.code(), Some(0));
    let m = String::from_utf8_lossy(&o.stdout);
    assert!(m.contains(".TH migprobe 1"), "{m}");
    for sub in SUBCOMMANDS {
        assert!(m.contains(sub), "man page lacks {sub}");
    }
}
