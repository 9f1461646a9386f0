//! Runtime errors reach a Korean student in Korean: real refusals provoked through the
//! CLI with `--lang ko`, each printed as a Korean sentence with no English left in it,
//! and the same refusals in English with `--lang en`.

mod common;

use common::Env;
use contlab::i18n::lint::{has_hangul, not_korean};
use std::path::Path;
use std::process::Output;

/// The error lines of a failed run: it must have failed, and said so on stderr.
fn refusal(o: &Output) -> String {
    assert!(
        !o.status.success(),
        "expected a refusal: {}",
        common::text(o)
    );
    let err = String::from_utf8_lossy(&o.stderr).trim().to_string();
    assert!(!err.is_empty(), "no error printed: {}", common::text(o));
    err
}

/// Every line Korean, none an English sentence, none an untranslated detail.
fn assert_korean(err: &str) {
    for line in err.lines() {
        let sentence = line.trim_start_matches("contlab: ");
        assert!(has_hangul(sentence), "not Korean: {line}");
        assert_eq!(not_korean(sentence), None, "{line}");
        let untranslated = contlab::tr!(contlab::i18n::Lang::Ko, "error-untranslated", detail = "");
        let label = untranslated.trim_end_matches([')', ' ']);
        assert!(!line.contains(label), "an English detail is left: {line}");
    }
}

fn rootfs() -> String {
    common::runtime::rootfs().display().to_string()
}

#[test]
fn a_missing_command_and_refused_settings_are_korean() {
    common::require_root("containers are made");
    let env = Env::new("i18n");
    let rootfs = rootfs();
    let cases: [(&[&str], &str); 3] = [
        (
            &[
                "sandbox",
                "--ns",
                "mount,pid",
                "--rootfs",
                "pivot",
                "--rootfs-dir",
                &rootfs,
                "no-such-command",
            ],
            "not found in the container's root filesystem",
        ),
        (
            &[
                "sandbox",
                "--ns",
                "pid",
                "--hostname",
                "box",
                "--rootfs-dir",
                &rootfs,
                "/bin/true",
            ],
            "needs a UTS namespace",
        ),
        (
            &[
                "sandbox",
                "--ns",
                "uts",
                "--hostname",
                &"h".repeat(70),
                "--rootfs-dir",
                &rootfs,
                "/bin/true",
            ],
            "must be 1 to 64 characters long",
        ),
    ];
    for (args, english) in cases {
        let ko = refusal(&env.contlab(&[&["--lang", "ko"], args].concat()));
        assert_korean(&ko);
        let en = refusal(&env.contlab(&[&["--lang", "en"], args].concat()));
        assert!(en.contains(english), "{en}");
        assert!(!has_hangul(&en), "{en}");
    }
    assert_nothing_left(&env);
}

#[test]
fn the_oom_killer_and_a_limit_below_need_are_told_in_korean() {
    common::require_root("cgroups are made");
    let env = Env::new("i18n-oom");
    let rootfs = rootfs();
    let hog = "x=$(head -c 50000000 /dev/zero | tr '\\0' a); echo ${#x}";
    let cases: [(&[&str], &str); 2] = [
        // The command outgrows its limit: the OOM killer ends it.
        (
            &[
                "sandbox",
                "--ns",
                "pid,mount",
                "--rootfs",
                "pivot",
                "--rootfs-dir",
                &rootfs,
                "--memory",
                "8M",
                "--",
                "sh",
                "-c",
                hog,
            ],
            "killed by the OOM killer",
        ),
        // A limit below what the init needs to set up: it dies before the command.
        (
            &[
                "sandbox",
                "--ns",
                "pid",
                "--rootfs-dir",
                &rootfs,
                "--memory",
                "1K",
                "/bin/true",
            ],
            "died during setup",
        ),
    ];
    for (args, english) in cases {
        let ko = refusal(&env.contlab(&[&["--lang", "ko"], args].concat()));
        assert_korean(&ko);
        assert!(ko.contains("OOM"), "{ko}");
        let en = refusal(&env.contlab(&[&["--lang", "en"], args].concat()));
        assert!(en.contains(english), "{en}");
    }
    assert_nothing_left(&env);
}

#[test]
fn an_oci_uid_map_without_a_user_namespace_is_refused_in_korean() {
    common::require_root("the runtime's state root is root's");
    let env = Env::new("i18n-oci");
    let bundle = env.state.path().join("bundle");
    std::fs::create_dir_all(bundle.join("rootfs")).expect("bundle dir");
    let b = bundle.to_str().expect("utf-8");
    let root = env.state.path().join("runtime");
    let root = root.to_str().expect("utf-8");
    let out = env.contlab(&["runtime", "--root", root, "spec", "--bundle", b]);
    assert!(out.status.success(), "{}", common::text(&out));
    let path = bundle.join("config.json");
    let mut config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("config.json")).expect("JSON");
    let map = serde_json::json!([{"containerID": 0, "hostID": 100000, "size": 65536}]);
    config["linux"]["uidMappings"] = map.clone();
    config["linux"]["gidMappings"] = map;
    let namespaces = config["linux"]["namespaces"]
        .as_array_mut()
        .expect("namespaces");
    namespaces.retain(|n| n["type"] != "user");
    std::fs::write(&path, config.to_string()).expect("write config.json");
    let id = format!("{}-c", env.parent);
    let create = |lang: &str| {
        env.contlab(&[
            "--lang", lang, "runtime", "--root", root, "create", "--bundle", b, &id,
        ])
    };
    let ko = refusal(&create("ko"));
    assert_korean(&ko);
    assert!(ko.contains("uid/gid"), "{ko}");
    let en = refusal(&create("en"));
    assert!(
        en.contains("need a \"user\" entry in `linux.namespaces`"),
        "{en}"
    );
    assert!(
        !Path::new(root).join(&id).exists(),
        "a refused create left its state"
    );
    assert_nothing_left(&env);
}

/// Nothing of this test's cgroup parent remains.
fn assert_nothing_left(env: &Env) {
    let out = std::process::Command::new("find")
        .args(["/sys/fs/cgroup", "-maxdepth", "3", "-name", &env.parent])
        .output()
        .expect("find runs");
    assert!(
        out.stdout.is_empty(),
        "left behind: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}
