fn main() -> std::process::ExitCode {
    // Re-executed contlab processes (a container's init, an exec helper) are told apart
    // before anything else runs: no argument parsing, no threads, no logging.
    if let Some(code) = contlab::runtime::hidden_entry() {
        return code;
    }
    contlab::cli::main()
}
