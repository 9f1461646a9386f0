//! The RBAC track's glue between the lesson engine and the offline authorizer
//! ([`crate::rbac`]).
//!
//! Design:
//! - `rbac-load` copies YAML files of the lesson's directory into a work directory the
//!   engine makes for the lesson (`<run dir>/lessons/<lesson id>/`, removed at teardown) and
//!   loads them. Every later `rbac-*` action and every `rbac`/`rbac-create` check re-reads
//!   the work files, so what the student edits there (with `vi` in the shell pane) counts.
//! - A task's typed reference solution is `solution_files = { "role.yaml" =
//!   "role-solution.yaml" }`: each lesson file is copied over the work file; headless runs
//!   and reverse validation apply it, the student writes it by hand.
//! - Everything shown goes out as events: `Output` (verdicts, explanations, tables) and a
//!   typed `PanelData::Cluster(ClusterPanel::Rbac(…))` snapshot drawn by the TUI.
//! - The TUI's request builder asks through the engine too ([`review`]): the request it
//!   composed is kept, and every snapshot carries its verdict and who-can answer against
//!   the work files as they are then, so an edit in the shell shows up without a key.

use super::checks::{World, result};
use super::event::{CheckResult, Event, Stream};
use super::format::{Action, Check, LessonFile, RbacAsk, RbacWho, StepKind};
use super::load::{Lesson, LoadError, err};
use super::panel::{
    ClusterPanel, RbacCreate, RbacIdentity, RbacObjectRow, RbacPanel, RbacRequest, RbacReview,
    ReviewAnswer, ReviewSubject, ReviewWhoCan,
};
use crate::i18n::Lang;
use crate::rbac::{self, Policy, RbacObject, Request, Target, UserInfo};
use crate::tr;
use anyhow::{Context, Result, bail};

use std::collections::BTreeMap;
use std::path::PathBuf;

/// What the RBAC steps of a running lesson have set up and shown.
pub struct RbacState {
    pub work_dir: PathBuf,
    /// The work files loaded by the last `rbac-load`, in order.
    pub loaded: Vec<String>,
    last_request: Option<RbacRequest>,
    last_decision: Option<rbac::Decision>,
    explain: Vec<String>,
    matrix: Option<rbac::Matrix>,
    who_can: Option<rbac::WhoCan>,
    create: Option<RbacCreate>,
    /// The request composed in the TUI's request builder.
    review: Option<RbacAsk>,
}

impl Drop for RbacState {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.work_dir);
    }
}

/// What an action printed, for the engine to emit and remember as the last output.
pub struct Outcome {
    pub events: Vec<Event>,
    pub text: String,
}

impl RbacState {
    fn new(lesson: &Lesson) -> Result<RbacState> {
        let work_dir = crate::paths::run_dir().join("lessons").join(lesson.id());
        std::fs::create_dir_all(&work_dir)
            .with_context(|| format!("cannot make the work directory {}", work_dir.display()))?;
        Ok(RbacState {
            work_dir,
            loaded: Vec::new(),
            last_request: None,
            last_decision: None,
            explain: Vec::new(),
            matrix: None,
            who_can: None,
            create: None,
            review: None,
        })
    }

    /// Reads the loaded work files into a policy; errors name `file:line` by the file's
    /// name in the lesson.
    pub fn policy(&self) -> Result<Policy> {
        if self.loaded.is_empty() {
            crate::bail_said!("error-rbac-not-loaded");
        }
        let mut all = rbac::Loaded::default();
        for name in &self.loaded {
            let path = self.work_dir.join(name);
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let l = rbac::load::load_str(&text, name)?;
            all.objects.extend(l.objects);
            all.warnings.extend(l.warnings);
        }
        Ok(Policy::from_loaded(all)?)
    }

    pub fn object(&self, name: &str) -> Result<RbacObject> {
        let path = self.work_dir.join(name);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let mut l = rbac::load::load_str(&text, name)?;
        if l.objects.len() != 1 {
            bail!(
                "{name}: expected exactly one RBAC object, found {}",
                l.objects.len()
            );
        }
        Ok(l.objects.remove(0).object)
    }

    /// The Cluster panel's data: the objects, the last request and verdict, the matrix.
    pub fn panel(&self) -> ClusterPanel {
        let (objects, error) = match self.policy() {
            Ok(p) => (object_rows(&p), None),
            Err(e) => (Vec::new(), Some(format!("{e:#}"))),
        };
        ClusterPanel::Rbac(Box::new(RbacPanel {
            work_dir: self.work_dir.display().to_string(),
            files: self.loaded.clone(),
            objects,
            error,
            request: self.last_request.clone(),
            decision: self.last_decision.clone(),
            explain: self.explain.clone(),
            matrix: self.matrix.clone(),
            who_can: self.who_can.clone(),
            create: self.create.clone(),
            review: self.review.as_ref().map(|a| self.review_answer(a)),
        }))
    }

    /// The builder's request answered: the identity as the apiserver would see it, the
    /// verdict with its explanation, and who else may do the same.
    fn review_answer(&self, ask: &RbacAsk) -> RbacReview {
        review_of(ask, |req| {
            let policy = self.policy()?;
            let d = policy.authorize(req);
            Ok((d.allowed, d.explain_lines(), Some(policy)))
        })
    }
}

/// The builder's request `ask` answered by `decide` (the verdict, its explanation, and
/// the policy to say who-can from, if there is one), or why it could not be: the one
/// shape of answer whether the verdict comes from the work files or a live server.
pub fn review_of<P: std::borrow::Borrow<Policy>>(
    ask: &RbacAsk,
    decide: impl FnOnce(&Request) -> Result<(bool, Vec<String>, Option<P>)>,
) -> RbacReview {
    let answer = || -> Result<ReviewAnswer> {
        let req = ask_request(ask)?;
        let (allowed, explain, policy) = decide(&req)?;
        let who_can = policy
            .map(|p| {
                let w = p.borrow().who_can(&req.verb, &req.target);
                ReviewWhoCan {
                    subjects: w
                        .subjects
                        .iter()
                        .map(|e| ReviewSubject {
                            subject: e.subject.describe(),
                            binding: e.binding.describe(),
                        })
                        .collect(),
                    superuser_groups: w.superuser_groups,
                }
            })
            .unwrap_or_default();
        Ok(ReviewAnswer::Answered {
            who: identity(&req),
            allowed,
            explain,
            who_can,
        })
    };
    RbacReview {
        ask: ask.clone(),
        answer: answer().unwrap_or_else(|e| ReviewAnswer::Failed {
            error: format!("{e:#}"),
        }),
    }
}

/// The identity, verb and target of `req`, as the panel shows them.
fn identity(req: &Request) -> RbacIdentity {
    RbacIdentity {
        user: req.user.name.clone(),
        groups: req.user.groups.clone(),
        verb: req.verb.clone(),
        target: req.target.describe(),
    }
}

/// Keeps the request composed in the TUI's request builder; later snapshots answer it.
pub fn review(state: &mut Option<RbacState>, ask: RbacAsk) -> Result<()> {
    let st = state
        .as_mut()
        .context("no RBAC objects are loaded: run the lesson's rbac-load step first")?;
    st.review = Some(ask);
    Ok(())
}

fn describe_selector(s: &k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector) -> String {
    s.match_labels
        .iter()
        .flatten()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// The objects as the panel draws them: roles with their (effective) rules, bindings
/// with their subjects and role.
pub fn object_rows(p: &Policy) -> Vec<RbacObjectRow> {
    object_rows_where(p, |_| true)
}

/// [`object_rows`] of the objects `keep` keeps.
pub fn object_rows_where(p: &Policy, keep: impl Fn(&RbacObject) -> bool) -> Vec<RbacObjectRow> {
    let mut out = Vec::new();
    for o in p.objects.iter().filter(|o| keep(&o.object)) {
        let meta = o.object.metadata();
        let name = meta.name.clone().unwrap_or_default();
        let ns = meta.namespace.clone();
        let mut row = RbacObjectRow {
            kind: o.object.kind().to_string(),
            name: name.clone(),
            namespace: ns.clone(),
            source: o.source.to_string(),
            ..Default::default()
        };
        match &o.object {
            RbacObject::Role(_) | RbacObject::ClusterRole(_) => {
                let rules = p
                    .role_rules(o.object.kind(), &name, ns.as_deref())
                    .map(|rs| rs.iter().map(rbac::rule::describe).collect::<Vec<_>>())
                    .unwrap_or_default();
                row.rules = Some(rules);
                if let RbacObject::ClusterRole(cr) = &o.object
                    && let Some(agg) = &cr.aggregation_rule
                {
                    let sel: Vec<String> = agg
                        .cluster_role_selectors
                        .iter()
                        .flatten()
                        .map(describe_selector)
                        .collect();
                    row.aggregates = Some(sel);
                }
            }
            RbacObject::RoleBinding(b) => {
                row.role = Some(format!("{}/{}", b.role_ref.kind, b.role_ref.name));
                row.subjects = Some(subjects(b.subjects.as_deref()));
            }
            RbacObject::ClusterRoleBinding(b) => {
                row.role = Some(format!("{}/{}", b.role_ref.kind, b.role_ref.name));
                row.subjects = Some(subjects(b.subjects.as_deref()));
            }
        }
        out.push(row);
    }
    out
}

fn subjects(s: Option<&[k8s_openapi::api::rbac::v1::Subject]>) -> Vec<String> {
    s.unwrap_or_default()
        .iter()
        .map(|s| match &s.namespace {
            Some(ns) => format!("{} {}/{}", s.kind, ns, s.name),
            None => format!("{} {}", s.kind, s.name),
        })
        .collect()
}

fn request(
    verb: &str,
    resource: &str,
    name: Option<&str>,
    namespace: Option<&str>,
    cluster: bool,
    user: &str,
    groups: &[String],
) -> Result<Request> {
    let mut t = Target::parse(resource)?;
    if let Target::Resource(r) = &mut t {
        r.namespace = (!cluster).then(|| namespace.unwrap_or("default").to_string());
        r.name = name.map(str::to_string);
    } else if name.is_some() {
        bail!("{resource} is a non-resource URL: it takes no name");
    }
    Ok(Request::new(UserInfo::new(user, groups), verb, t))
}

pub fn ask_request(a: &RbacAsk) -> Result<Request> {
    request(
        &a.verb,
        &a.resource,
        a.name.as_deref(),
        a.namespace.as_deref(),
        a.cluster,
        &a.user,
        &a.groups,
    )
}

fn where_of(w: &RbacWho) -> Option<&str> {
    (!w.cluster).then(|| w.namespace.as_deref().unwrap_or("default"))
}

fn copy_in(state: &RbacState, lesson: &Lesson, name: &str, to: &str) -> Result<()> {
    let text = lesson
        .files
        .get(name)
        .with_context(|| format!("the lesson has no file {name:?}"))?;
    let dest = state.work_dir.join(to);
    if let Some(dir) = dest.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&dest, text).with_context(|| format!("cannot write {}", dest.display()))
}

fn ensure<'a>(state: &'a mut Option<RbacState>, lesson: &Lesson) -> Result<&'a mut RbacState> {
    if state.is_none() {
        *state = Some(RbacState::new(lesson)?);
    }
    Ok(state.as_mut().expect("just set"))
}

/// Runs one `rbac-*` action.
pub fn perform(state: &mut Option<RbacState>, lesson: &Lesson, action: &Action) -> Result<Outcome> {
    let st = ensure(state, lesson)?;
    let mut text = String::new();
    match action {
        Action::RbacLoad { files } => {
            for f in files {
                copy_in(st, lesson, f, f)?;
            }
            st.loaded = files.clone();
            let p = st.policy()?;
            for o in &p.objects {
                let m = o.object.metadata();
                let ns = m
                    .namespace
                    .as_deref()
                    .map(|n| format!(" -n {n}"))
                    .unwrap_or_default();
                text.push_str(&format!(
                    "{} {}{ns}  ({})\n",
                    o.object.kind(),
                    m.name.as_deref().unwrap_or(""),
                    o.source
                ));
            }
            for w in &p.warnings {
                text.push_str(&format!("warning: {w}\n"));
            }
            text.push_str(&format!("work directory: {}\n", st.work_dir.display()));
        }
        Action::RbacCanI(a) => {
            let req = ask_request(a)?;
            let d = st.policy()?.authorize(&req);
            text.push_str(if d.allowed { "yes\n" } else { "no\n" });
            for l in d.explain_lines() {
                text.push_str(&l);
                text.push('\n');
            }
            st.last_request = Some(RbacRequest {
                ask: a.clone(),
                who: identity(&req),
            });
            st.explain = d.explain_lines();
            st.last_decision = Some(d);
        }
        Action::RbacMatrix(w) => {
            let m = st
                .policy()?
                .matrix(&UserInfo::new(&w.user, &w.groups), where_of(w));
            let width = m
                .rows
                .iter()
                .map(|r| r.resource.len())
                .max()
                .unwrap_or(8)
                .max(8);
            text.push_str(&format!("{:<width$}", "RESOURCE"));
            for v in &m.verbs {
                text.push_str(&format!(" {v:>6}"));
            }
            text.push('\n');
            for r in &m.rows {
                text.push_str(&format!("{:<width$}", r.resource));
                for ok in &r.allowed {
                    text.push_str(&format!(" {:>6}", if *ok { "yes" } else { "-" }));
                }
                text.push('\n');
            }
            st.matrix = Some(m);
        }
        Action::RbacWhoCan {
            verb,
            resource,
            namespace,
            cluster,
        } => {
            let req = request(
                verb,
                resource,
                None,
                namespace.as_deref(),
                *cluster,
                "",
                &[],
            )?;
            let w = st.policy()?.who_can(verb, &req.target);
            for e in &w.subjects {
                text.push_str(&format!(
                    "{:<40} {}\n",
                    e.subject.describe(),
                    e.binding.describe()
                ));
            }
            for g in &w.superuser_groups {
                text.push_str(&format!("Group {g:?} (superuser: allowed everything)\n"));
            }
            st.who_can = Some(w);
        }
        Action::RbacCheckCreate { file, user, groups } => {
            copy_in(st, lesson, file, file)?;
            let obj = st.object(file)?;
            let c = st
                .policy()?
                .check_create(&UserInfo::new(user, groups), &obj);
            text.push_str(if c.allowed {
                "allowed\n"
            } else {
                "forbidden\n"
            });
            text.push_str(&c.reason);
            text.push('\n');
            for r in &c.missing {
                text.push_str(&format!("  missing: {}\n", rbac::rule::describe(r)));
            }
            st.create = Some(RbacCreate {
                user: user.clone(),
                file: file.clone(),
                allowed: c.allowed,
                reason: c.reason.clone(),
                missing: c.missing.iter().map(rbac::rule::describe).collect(),
            });
        }
        other => bail!("not an RBAC action: {other:?}"),
    }
    Ok(Outcome {
        events: vec![Event::Output {
            stream: Stream::Stdout,
            data: text.clone(),
        }],
        text,
    })
}

/// Applies a task's typed reference solution: copies each lesson file over its work file.
pub fn apply_solution(
    state: &mut Option<RbacState>,
    lesson: &Lesson,
    files: &BTreeMap<String, String>,
) -> Result<Outcome> {
    let st = ensure(state, lesson)?;
    let mut text = String::new();
    for (to, from) in files {
        copy_in(st, lesson, from, to)?;
        text.push_str(&format!("$ cp {from} {to}\n"));
    }
    Ok(Outcome {
        events: vec![Event::Output {
            stream: Stream::Pty,
            data: text.clone(),
        }],
        text,
    })
}

/// Evaluates an `rbac` or `rbac-create` check on the work files as they are now.
pub fn evaluate(check: &Check, w: &dyn World, lang: Lang) -> Result<CheckResult> {
    let res = (|| -> Result<(bool, String)> {
        match check {
            Check::Rbac {
                verb,
                resource,
                name,
                namespace,
                cluster,
                user,
                groups,
                allowed,
            } => {
                let req = request(
                    verb,
                    resource,
                    name.as_deref(),
                    namespace.as_deref(),
                    *cluster,
                    user,
                    groups,
                )?;
                let d = w.rbac_policy()?.authorize(&req);
                let target = req.target.describe();
                let (u, v, t, r) = (
                    user.as_str(),
                    verb.as_str(),
                    target.as_str(),
                    d.reason.as_str(),
                );
                // The reason is the apiserver's own sentence, as kubectl shows it.
                Ok(if d.allowed == *allowed && d.allowed {
                    (
                        true,
                        tr!(
                            lang,
                            "check-rbac-allowed",
                            user = u,
                            verb = v,
                            target = t,
                            reason = r
                        ),
                    )
                } else if d.allowed == *allowed {
                    (
                        true,
                        tr!(
                            lang,
                            "check-rbac-denied",
                            user = u,
                            verb = v,
                            target = t,
                            reason = r
                        ),
                    )
                } else if *allowed {
                    (
                        false,
                        tr!(
                            lang,
                            "check-rbac-want-allowed",
                            user = u,
                            verb = v,
                            target = t,
                            reason = r
                        ),
                    )
                } else {
                    (
                        false,
                        tr!(
                            lang,
                            "check-rbac-want-denied",
                            user = u,
                            verb = v,
                            target = t,
                            reason = r
                        ),
                    )
                })
            }
            Check::RbacCreate {
                file,
                user,
                groups,
                allowed,
            } => {
                let obj = w.rbac_object(file)?;
                let c = w
                    .rbac_policy()?
                    .check_create(&UserInfo::new(user, groups), &obj);
                let (u, f, r) = (user.as_str(), file.as_str(), c.reason.as_str());
                Ok(if c.allowed == *allowed && c.allowed {
                    (
                        true,
                        tr!(
                            lang,
                            "check-rbac-create-allowed",
                            user = u,
                            file = f,
                            reason = r
                        ),
                    )
                } else if c.allowed == *allowed {
                    (
                        true,
                        tr!(
                            lang,
                            "check-rbac-create-forbidden",
                            user = u,
                            file = f,
                            reason = r
                        ),
                    )
                } else if *allowed {
                    (
                        false,
                        tr!(
                            lang,
                            "check-rbac-create-want-allowed",
                            user = u,
                            file = f,
                            reason = r
                        ),
                    )
                } else {
                    (
                        false,
                        tr!(
                            lang,
                            "check-rbac-create-want-forbidden",
                            user = u,
                            file = f,
                            reason = r
                        ),
                    )
                })
            }
            other => bail!("not an RBAC check: {}", other.kind()),
        }
    })();
    let (pass, sentence) = res?;
    Ok(result(check, pass, sentence))
}

/// Lint for the files a lesson names: each exists in the lesson's directory and parses as
/// RBAC YAML (errors at `file:line`).
pub fn validate_files(
    origin: &str,
    lesson_name: &str,
    lesson_text: &str,
    file: &LessonFile,
    files: &BTreeMap<String, String>,
) -> Vec<LoadError> {
    let mut errors = Vec::new();
    let mut named: Vec<(&str, std::ops::Range<usize>)> = Vec::new();
    for s in &file.steps {
        if let Some(a) = &s.action {
            match a.get_ref() {
                Action::RbacLoad { files } => {
                    named.extend(files.iter().map(|f| (f.as_str(), a.span())))
                }
                Action::RbacCheckCreate { file, .. } => named.push((file.as_str(), a.span())),
                _ => {}
            }
        }
        // A networking lesson's files are Ingresses (`net_step::validate_files`).
        if file.track != super::format::Track::Net {
            named.extend(s.solution_files.values().map(|f| (f.as_str(), s.id.span())));
        }
        if !s.solution_files.is_empty() && s.kind != StepKind::Task {
            errors.push(err(
                lesson_name,
                lesson_text,
                Some(s.id.span()),
                format!("step \"{}\": solution_files is for tasks", s.id.get_ref()),
            ));
        }
    }
    for (name, span) in named {
        match files.get(name) {
            None => errors.push(err(
                lesson_name,
                lesson_text,
                Some(span),
                format!("no file \"{name}\" in the lesson's directory"),
            )),
            Some(text) => {
                let shown = format!("{origin}/{name}");
                let parsed = rbac::load::load_str(text, &shown)
                    .and_then(Policy::from_loaded)
                    .map(|_| ());
                if let Err(e) = parsed {
                    let (file, line, message) = match e {
                        rbac::Error::Object {
                            file,
                            line,
                            message,
                        } => (file, Some(line as usize), message),
                        other => (shown, None, other.to_string()),
                    };
                    errors.push(LoadError {
                        file,
                        line,
                        message,
                    });
                }
            }
        }
    }
    errors
}
