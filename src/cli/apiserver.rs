use crate::apiserver::{self, Options};
use crate::i18n::{self, Lang};
use crate::tr;
use std::process::ExitCode;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Start etcd and the API server on 127.0.0.1 and print the line that points kubectl
    /// at them (for `eval`).
    #[command(
        after_help = "Example:\n  eval \"$(sudo contlab apiserver up)\"\n  kubectl get namespaces"
    )]
    Up(Start),
    /// The API server's URL, etcd's endpoints, the kubeconfig, the CA and the token file.
    Status {
        #[arg(long)]
        json: bool,
        #[arg(long, value_enum)]
        lang: Option<Lang>,
    },
    /// Stop the API server and etcd and remove their directories.
    Down {
        #[arg(long, value_enum)]
        lang: Option<Lang>,
    },
    /// The same server in the foreground (for a lesson or a debugger); Ctrl-C stops it.
    Run(Start),
    /// Sign a PKCS#10 certificate signing request with the server's CA: its CN becomes
    /// the user and its O values the groups (at most two).
    #[command(
        after_help = "Example:\n  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \\\n    -keyout jane.key -out jane.csr -subj '/O=dev/CN=jane'\n  contlab apiserver sign --csr jane.csr --out jane.crt"
    )]
    Sign {
        /// The CSR, PEM.
        #[arg(long)]
        csr: std::path::PathBuf,
        /// How long the certificate is valid.
        #[arg(long, default_value_t = 365, value_parser = clap::value_parser!(u32).range(1..=3650))]
        days: u32,
        /// Write the certificate here instead of printing it.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
        #[arg(long, value_enum)]
        lang: Option<Lang>,
    },
    /// Print a ServiceAccount token (a signed JWT) for NAMESPACE/SERVICEACCOUNT, which
    /// the server accepts as system:serviceaccount:NAMESPACE:SERVICEACCOUNT.
    #[command(
        after_help = "Example:\n  kubectl --token=\"$(contlab apiserver token default/builder)\" get pods"
    )]
    Token {
        /// NAMESPACE/SERVICEACCOUNT
        account: String,
        /// How long the token is valid: seconds, or a number with s, m, h or d.
        #[arg(long, default_value = "1h", value_parser = parse_duration)]
        duration: i64,
        #[arg(long, value_enum)]
        lang: Option<Lang>,
    },
}

/// `90`, `90s`, `10m`, `1h`, `2d` as seconds (at least 1).
fn parse_duration(s: &str) -> Result<i64, String> {
    let (num, unit) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&s[..i], c),
        _ => (s, 's'),
    };
    let scale = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return Err(format!("unknown unit {unit:?} (s, m, h or d)")),
    };
    match num.parse::<i64>() {
        Ok(n) if n > 0 && n <= 366 * 86_400 / scale => Ok(n * scale),
        _ => Err(format!("{s:?} is not a duration of 1 s to 366 d")),
    }
}

/// The catalog sentence for a file `sign` could not read (the CSR) or write.
fn file_error(
    lang: Lang,
    reading: bool,
    path: &std::path::Path,
    e: std::io::Error,
) -> anyhow::Error {
    let (path, why) = (path.display().to_string(), e.to_string());
    anyhow::anyhow!(
        "{}",
        if reading {
            tr!(lang, "apiserver-sign-cannot-read", path = path, why = why)
        } else {
            tr!(lang, "apiserver-sign-cannot-write", path = path, why = why)
        }
    )
}

/// A catalog sentence for what `sign` or `token` could not do.
fn issue_error(lang: Lang, e: &apiserver::IssueError) -> String {
    use apiserver::IssueError as E;
    use apiserver::pki::SignError as S;
    use apiserver::satoken::TokenError as T;
    match e {
        E::NotRunning => tr!(lang, "apiserver-not-running"),
        E::Sign(S::Unreadable) => tr!(lang, "apiserver-sign-unreadable"),
        E::Sign(S::NoUser) => tr!(lang, "apiserver-sign-no-user"),
        E::Sign(S::TooManyGroups(n)) => tr!(lang, "apiserver-sign-too-many-groups", n = *n),
        E::Sign(S::Sign(why)) | E::Token(T::Sign(why)) => {
            tr!(lang, "apiserver-sign-failed", why = why.as_str())
        }
        E::Token(T::BadName(n)) => tr!(lang, "apiserver-token-bad-name", name = n.as_str()),
    }
}

#[derive(clap::Args, Debug)]
pub struct Start {
    /// etcd members: 1 or 3.
    #[arg(long, default_value_t = 1)]
    members: usize,
    /// Requests without credentials are system:anonymous (as kube-apiserver's default);
    /// with false they are refused with 401.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    anonymous_auth: bool,
    /// The port on 127.0.0.1 (0: a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    #[arg(long, value_enum)]
    lang: Option<Lang>,
}

impl Start {
    fn options(&self) -> Options {
        Options {
            members: self.members,
            anonymous: self.anonymous_auth,
            port: self.port,
        }
    }
}

pub fn run(c: Command, top: Option<Lang>) -> anyhow::Result<ExitCode> {
    match c {
        Command::Up(s) => {
            let lang = i18n::choose(s.lang.or(top));
            let st = apiserver::up(&s.options())?;
            eprintln!(
                "{}",
                tr!(
                    lang,
                    "apiserver-up",
                    url = st.url.as_str(),
                    etcd = st.etcd.join(",")
                )
            );
            println!("export KUBECONFIG={}", st.kubeconfig.display());
        }
        Command::Run(s) => apiserver::run(&s.options())?,
        Command::Status { json, lang } => {
            let lang = i18n::choose(lang.or(top));
            let st = apiserver::status();
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(
                        &serde_json::json!({"running": st.is_some(), "server": st})
                    )?
                );
            } else if let Some(st) = &st {
                println!(
                    "{}",
                    tr!(
                        lang,
                        "apiserver-status-url",
                        url = st.url.as_str(),
                        pid = st.pid
                    )
                );
                println!(
                    "{}",
                    tr!(lang, "apiserver-status-etcd", etcd = st.etcd.join(","))
                );
                println!("kubeconfig: {}", st.kubeconfig.display());
                println!("CA: {}", st.ca.display());
                println!("tokens: {}", st.tokens.display());
                println!("audit: {}", st.audit_log.display());
            } else {
                println!("{}", tr!(lang, "apiserver-not-running"));
            }
            if st.is_none() {
                return Ok(ExitCode::from(3));
            }
        }
        Command::Sign {
            csr,
            days,
            out,
            lang,
        } => {
            let lang = i18n::choose(lang.or(top));
            let text =
                std::fs::read_to_string(&csr).map_err(|e| file_error(lang, true, &csr, e))?;
            let cert = apiserver::sign(&text, days)
                .map_err(|e| anyhow::anyhow!("{}", issue_error(lang, &e)))?;
            match out {
                Some(path) => {
                    std::fs::write(&path, cert).map_err(|e| file_error(lang, false, &path, e))?
                }
                None => print!("{cert}"),
            }
        }
        Command::Token {
            account,
            duration,
            lang,
        } => {
            let lang = i18n::choose(lang.or(top));
            let t = apiserver::service_account_token(&account, duration)
                .map_err(|e| anyhow::anyhow!("{}", issue_error(lang, &e)))?;
            println!("{t}");
        }
        Command::Down { lang } => {
            let lang = i18n::choose(lang.or(top));
            if apiserver::down()? {
                println!("{}", tr!(lang, "apiserver-down"));
            } else {
                println!("{}", tr!(lang, "apiserver-not-running"));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
