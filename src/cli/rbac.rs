//! `contlab rbac`: kubectl's `auth can-i` and friends against RBAC objects in files.
//! Exit codes: 0 yes/allowed, 1 no/forbidden, 2 bad input (unreadable YAML, an invalid
//! object, a malformed request).

use crate::rbac::{self, Policy, Request, Target, UserInfo};
use clap::ArgAction;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// May a subject do VERB on RESOURCE? Prints yes or no; exit 0 for yes, 1 for no.
    #[command(after_help = "Examples:\n  \
contlab rbac can-i get pods --as alice -n dev -f rbac/\n  \
contlab rbac can-i get pods/log web --as alice -n dev -f rbac/ --explain\n  \
contlab rbac can-i list deployments.apps -A --as system:serviceaccount:ci:deployer -f rbac/\n  \
contlab rbac can-i get /healthz --as-group ops --as bob -f rbac/\n  \
contlab rbac can-i --list --as alice -n dev -f rbac/\n\n\
--json prints the Decision: {\"allowed\": bool, \"reason\": string, \"grant\": null | \
{\"binding\", \"subject\", \"rule_index\", \"rule\"}, \"near_misses\": [{\"binding\", \"subject\", \
\"rule_index\", \"rule\", \"matched\": [field], \"failed\": [{\"field\", \"requested\", \"rule_has\", \
\"why\"}], \"why\"}], \"other_namespaces\": [binding]}. A binding is {\"kind\", \"name\", \
\"namespace\", \"role\": {\"kind\", \"name\"}, \"source\": {\"file\", \"line\"}}; a subject is \
{\"kind\", \"name\", \"namespace\"}; a rule is a PolicyRule as in YAML (camelCase); all other keys \
are snake_case.\n\
With --list, --json prints [{\"rule\", \"scope\": \"cluster_wide\" | {\"namespaced\": ns}, \
\"binding\"}].")]
    CanI(CanIArgs),
    /// Which subjects may do VERB on RESOURCE, and which binding allows each.
    #[command(
        after_help = "Examples:\n  contlab rbac who-can delete secrets -n prod -f rbac/\n\n\
--json prints {\"verb\", \"target\", \"subjects\": [{\"subject\", \"binding\"}], \
\"superuser_groups\": [group]}; the target is {\"type\": \"resource\", \"namespace\", \"api_group\", \
\"resource\", \"subresource\", \"name\"} or {\"type\": \"non_resource\", \"path\"}; bindings and subjects \
as in can-i --help."
    )]
    WhoCan(WhoCanArgs),
    /// A table of resources × verbs (get list watch create update patch delete) for a
    /// subject in a namespace.
    #[command(
        after_help = "Examples:\n  contlab rbac matrix --as alice -n dev -f rbac/\n\n\
--json prints {\"user\": {\"name\", \"groups\"}, \"namespace\", \"verbs\": [verb], \"rows\": \
[{\"resource\", \"api_group\", \"allowed\": [bool, one per verb]}]}."
    )]
    Matrix(MatrixArgs),
    /// May a subject create this Role, ClusterRole or binding without escalating its own
    /// privileges? Prints allowed or forbidden with the reason; exit 0 or 1.
    #[command(after_help = "Examples:\n  \
contlab rbac check-create new-role.yaml --as alice -f rbac/\n\n\
--json prints {\"allowed\": bool, \"reason\": string, \"missing\": [rule]}.")]
    CheckCreate(CheckCreateArgs),
}

#[derive(clap::Args, Debug)]
struct Inputs {
    /// A YAML file or directory of Roles, ClusterRoles, RoleBindings and
    /// ClusterRoleBindings (multi-document files and Lists too); repeat for more.
    #[arg(short = 'f', long = "filename", value_name = "PATH", required = true, action = ArgAction::Append)]
    files: Vec<PathBuf>,
}

#[derive(clap::Args, Debug)]
struct Identity {
    /// The user to ask for. `system:serviceaccount:NS:NAME` gets the service account's
    /// groups; everyone gets system:authenticated. Without --as: system:anonymous.
    #[arg(long = "as", value_name = "USER")]
    user: Option<String>,
    /// A group the user is in; repeat for more.
    #[arg(long = "as-group", value_name = "GROUP", requires = "user", action = ArgAction::Append)]
    groups: Vec<String>,
}

impl Identity {
    fn user_info(&self) -> UserInfo {
        UserInfo::new(
            self.user.as_deref().unwrap_or(rbac::request::ANONYMOUS),
            &self.groups,
        )
    }
}

#[derive(clap::Args, Debug)]
struct Where {
    /// The namespace of the request.
    #[arg(short = 'n', long, value_name = "NS", default_value = "default")]
    namespace: String,
    /// Cluster scope: no namespace, so only ClusterRoleBindings count. Use it for
    /// cluster-scoped resources such as nodes, which no RoleBinding can grant.
    #[arg(short = 'A', long = "all-namespaces", conflicts_with = "namespace")]
    all: bool,
}

impl Where {
    fn namespace(&self) -> Option<&str> {
        (!self.all).then_some(self.namespace.as_str())
    }
}

#[derive(clap::Args, Debug)]
pub struct CanIArgs {
    /// get, list, watch, create, update, patch, delete, escalate, bind, …
    #[arg(required_unless_present = "list")]
    verb: Option<String>,
    /// pods, pods/log, deployments.apps, or a non-resource URL such as /healthz.
    #[arg(required_unless_present = "list")]
    resource: Option<String>,
    /// The object's name (a rule with resourceNames only matches named requests).
    name: Option<String>,
    #[command(flatten)]
    place: Where,
    /// The subresource, as in `--subresource log` (same as pods/log).
    #[arg(long, value_name = "SUB")]
    subresource: Option<String>,
    #[command(flatten)]
    identity: Identity,
    #[command(flatten)]
    inputs: Inputs,
    /// Say which binding and rule allowed it, or what came close.
    #[arg(long)]
    explain: bool,
    /// List the subject's rules instead, each marked namespaced or cluster-wide.
    #[arg(long, conflicts_with_all = ["verb", "resource", "name", "subresource", "explain"])]
    list: bool,
    /// Print JSON (shape below).
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args, Debug)]
pub struct WhoCanArgs {
    verb: String,
    /// pods, pods/log, deployments.apps, or a non-resource URL such as /healthz.
    resource: String,
    #[command(flatten)]
    place: Where,
    #[command(flatten)]
    inputs: Inputs,
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args, Debug)]
pub struct MatrixArgs {
    /// The user to tabulate.
    #[arg(long = "as", value_name = "USER", required = true)]
    user: String,
    #[arg(long = "as-group", value_name = "GROUP", action = ArgAction::Append)]
    groups: Vec<String>,
    #[command(flatten)]
    place: Where,
    #[command(flatten)]
    inputs: Inputs,
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args, Debug)]
pub struct CheckCreateArgs {
    /// The Role, ClusterRole, RoleBinding or ClusterRoleBinding to create.
    object: PathBuf,
    /// Who creates it.
    #[arg(long = "as", value_name = "USER", required = true)]
    user: String,
    #[arg(long = "as-group", value_name = "GROUP", action = ArgAction::Append)]
    groups: Vec<String>,
    #[command(flatten)]
    inputs: Inputs,
    #[arg(long)]
    json: bool,
}

pub fn run(cmd: Command) -> anyhow::Result<ExitCode> {
    match dispatch(cmd) {
        Ok(code) => Ok(code),
        Err(Failure::Input(e)) => {
            eprintln!("contlab: {e}");
            Ok(ExitCode::from(2))
        }
        Err(Failure::Other(e)) => Err(e),
    }
}

enum Failure {
    Input(rbac::Error),
    Other(anyhow::Error),
}

impl From<rbac::Error> for Failure {
    fn from(e: rbac::Error) -> Self {
        Failure::Input(e)
    }
}

impl From<serde_json::Error> for Failure {
    fn from(e: serde_json::Error) -> Self {
        Failure::Other(e.into())
    }
}

fn load(inputs: &Inputs) -> Result<Policy, Failure> {
    let policy = Policy::load(&inputs.files)?;
    for w in &policy.warnings {
        eprintln!("contlab: warning: {w}");
    }
    Ok(policy)
}

fn verdict(yes: bool) -> ExitCode {
    if yes {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn target(
    spec: &str,
    place: &Where,
    sub: Option<&str>,
    name: Option<&str>,
) -> rbac::Result<Target> {
    let mut t = Target::parse(spec)?;
    match &mut t {
        Target::Resource(r) => {
            if let Some(s) = sub {
                if r.subresource.as_deref().is_some_and(|x| x != s) {
                    return Err(rbac::Error::Request(format!(
                        "{spec} and --subresource {s} name different subresources"
                    )));
                }
                r.subresource = Some(s.to_string());
            }
            r.namespace = place.namespace().map(str::to_string);
            r.name = name.map(str::to_string);
        }
        Target::NonResource { .. } => {
            if sub.is_some() || name.is_some() {
                return Err(rbac::Error::Request(format!(
                    "{spec} is a non-resource URL: it takes no name or subresource"
                )));
            }
        }
    }
    Ok(t)
}

fn dispatch(cmd: Command) -> Result<ExitCode, Failure> {
    match cmd {
        Command::CanI(a) => {
            let policy = load(&a.inputs)?;
            let user = a.identity.user_info();
            if a.list {
                let rules = policy.rules_for(&user, a.place.namespace());
                if a.json {
                    println!("{}", serde_json::to_string_pretty(&rules)?);
                } else {
                    print_rules(&rules);
                }
                return Ok(ExitCode::SUCCESS);
            }
            let (Some(verb), Some(spec)) = (a.verb.as_deref(), a.resource.as_deref()) else {
                return Err(
                    rbac::Error::Request("give VERB and RESOURCE, or --list".into()).into(),
                );
            };
            let t = target(spec, &a.place, a.subresource.as_deref(), a.name.as_deref())?;
            let d = policy.authorize(&Request::new(user, verb, t));
            if a.json {
                println!("{}", serde_json::to_string_pretty(&d)?);
            } else {
                println!("{}", if d.allowed { "yes" } else { "no" });
                if a.explain {
                    for l in d.explain_lines() {
                        println!("{l}");
                    }
                }
            }
            Ok(verdict(d.allowed))
        }
        Command::WhoCan(a) => {
            let policy = load(&a.inputs)?;
            let t = target(&a.resource, &a.place, None, None)?;
            let w = policy.who_can(&a.verb, &t);
            if a.json {
                println!("{}", serde_json::to_string_pretty(&w)?);
            } else {
                for e in &w.subjects {
                    println!("{:<40} {}", e.subject.describe(), e.binding.describe());
                }
                for g in &w.superuser_groups {
                    println!(
                        "{:<40} (superuser: allowed everything)",
                        format!("Group {g:?}")
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Matrix(a) => {
            let policy = load(&a.inputs)?;
            let user = UserInfo::new(&a.user, &a.groups);
            let m = policy.matrix(&user, a.place.namespace());
            if a.json {
                println!("{}", serde_json::to_string_pretty(&m)?);
            } else {
                let width = m
                    .rows
                    .iter()
                    .map(|r| r.resource.len())
                    .max()
                    .unwrap_or(8)
                    .max(8);
                print!("{:<width$}", "RESOURCE");
                for v in &m.verbs {
                    print!(" {v:>6}");
                }
                println!();
                for r in &m.rows {
                    print!("{:<width$}", r.resource);
                    for ok in &r.allowed {
                        print!(" {:>6}", if *ok { "yes" } else { "-" });
                    }
                    println!();
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::CheckCreate(a) => {
            let policy = load(&a.inputs)?;
            let object = rbac::load::load_object(&a.object)?;
            let user = UserInfo::new(&a.user, &a.groups);
            let c = policy.check_create(&user, &object.object);
            if a.json {
                println!("{}", serde_json::to_string_pretty(&c)?);
            } else {
                println!("{}", c.reason);
            }
            Ok(verdict(c.allowed))
        }
    }
}

fn print_rules(rules: &[rbac::GrantedRule]) {
    let join = |v: &Option<Vec<String>>| match v {
        Some(v) if !v.is_empty() => v.join(","),
        _ => "-".into(),
    };
    println!(
        "{:<32} {:<20} {:<18} {:<20} {:<22} VIA",
        "RESOURCES", "NON-RESOURCE URLS", "RESOURCE NAMES", "VERBS", "SCOPE"
    );
    for g in rules {
        let scope = match &g.scope {
            rbac::Scope::ClusterWide => "cluster-wide".to_string(),
            rbac::Scope::Namespaced(ns) => format!("namespaced ({ns})"),
        };
        // kubectl writes a resource with its group: deployments.apps.
        let resources = match (&g.rule.resources, &g.rule.api_groups) {
            (Some(rs), Some(gs)) if !rs.is_empty() => rs
                .iter()
                .flat_map(|r| {
                    gs.iter().map(move |grp| {
                        if grp.is_empty() {
                            r.clone()
                        } else {
                            format!("{r}.{grp}")
                        }
                    })
                })
                .collect::<Vec<_>>()
                .join(","),
            _ => "-".into(),
        };
        let via = g
            .binding
            .as_ref()
            .map(|b| b.describe())
            .unwrap_or_else(|| format!("group {}", rbac::SUPERUSER_GROUP));
        println!(
            "{:<32} {:<20} {:<18} {:<20} {:<22} {via}",
            resources,
            join(&g.rule.non_resource_urls),
            join(&g.rule.resource_names),
            g.rule.verbs.join(","),
            scope,
        );
    }
}
