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
