//! The `pcue` multi-call binary: everything lives in the library.
fn main() {
    std::process::exit(pcue::run());
}
