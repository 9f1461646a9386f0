fn main() -> std::process::ExitCode {
    contlab::cli::main()
}
