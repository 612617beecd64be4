//! The `migprobe` command; all logic lives in the library.

fn main() {
    std::process::exit(migprobe::app::main().code());
}
