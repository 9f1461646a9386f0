//! Strategic merge patch, as far as `kubectl apply` and `kubectl patch` need it for the
//! kinds served: a JSON merge patch whose lists of objects with a merge key (containers,
//! volumes, env … by `name`; ports by `containerPort`; volumeMounts by `mountPath`) are
//! merged element by element instead of replaced, with the directives kubectl writes:
//! `$patch: delete|replace`, `$setElementOrder/<list>`, `$deleteFromPrimitiveList/<list>`
//! and `$retainKeys`. kube-apiserver reads the merge keys from each Go type's struct tags;
//! here they are known by field name, which is unambiguous within these kinds.

use serde_json::{Map, Value};

/// The merge key of a list field, if it is merged by key.
fn merge_key(field: &str) -> Option<&'static str> {
    Some(match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "env"
        | "imagePullSecrets"
        | "resourceClaims" => "name",
        "ports" => "containerPort",
        "volumeMounts" => "mountPath",
        "volumeDevices" => "devicePath",
        "hostAliases" => "ip",
        "ownerReferences" => "uid",
        "conditions" => "type",
        _ => return None,
    })
}

/// Lists of strings merged as sets rather than replaced.
fn merges_primitives(field: &str) -> bool {
    field == "finalizers"
}

/// Applies `patch` to `target`. An error names a malformed directive.
pub fn apply(target: &mut Value, patch: &Value) -> Result<(), String> {
    let Some(p) = patch.as_object() else {
        *target = patch.clone();
        return Ok(());
    };
    if let Some(d) = p.get("$patch") {
        match d.as_str() {
            Some("replace") => {
                let mut whole = p.clone();
                whole.remove("$patch");
                *target = Value::Object(whole);
                return Ok(());
            }
            Some("delete") => {
                *target = Value::Object(Map::new());
                return Ok(());
            }
            Some("merge") => {}
            _ => return Err(format!("unknown patch directive {d}")),
        }
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let t = target
        .as_object_mut()
        .expect("target was just made an object");
    let mut orders = Vec::new();
    for (k, v) in p {
        if k == "$patch" || k == "$retainKeys" {
            continue;
        }
        if let Some(field) = k.strip_prefix("$setElementOrder/") {
            orders.push((field.to_string(), v));
            continue;
        }
        if let Some(field) = k.strip_prefix("$deleteFromPrimitiveList/") {
            let gone = v
                .as_array()
                .ok_or("$deleteFromPrimitiveList takes a list")?;
            if let Some(Value::Array(list)) = t.get_mut(field) {
                list.retain(|x| !gone.contains(x));
            }
            continue;
        }
        if k.starts_with('$') {
            return Err(format!("unknown patch directive {k}"));
        }
        match v {
            Value::Null => {
                t.remove(k);
            }
            Value::Array(items) => match (merge_key(k), t.get_mut(k)) {
                (Some(key), Some(Value::Array(list))) => merge_list(list, items, key)?,
                (None, Some(Value::Array(list))) if merges_primitives(k) => {
                    for x in items {
                        if !list.contains(x) {
                            list.push(x.clone());
                        }
                    }
                }
                _ => {
                    let kept: Vec<Value> = items
                        .iter()
                        .filter(|i| i.get("$patch").is_none())
                        .cloned()
                        .collect();
                    t.insert(k.clone(), Value::Array(kept));
                }
            },
            Value::Object(_) => apply(t.entry(k.clone()).or_insert(Value::Null), v)?,
            _ => {
                t.insert(k.clone(), v.clone());
            }
        }
    }
    for (field, order) in orders {
        let order = order.as_array().ok_or("$setElementOrder takes a list")?;
        if let Some(Value::Array(list)) = t.get_mut(&field) {
            reorder(list, order, merge_key(&field));
        }
    }
    if let Some(keep) = p.get("$retainKeys") {
        let keep: Vec<&str> = keep
            .as_array()
            .ok_or("$retainKeys takes a list")?
            .iter()
            .filter_map(Value::as_str)
            .collect();
        t.retain(|k, _| keep.contains(&k.as_str()));
    }
    Ok(())
}

/// Merges patch elements into `list` by `key`: a match is patched, `$patch: delete`
/// removes it, anything else is appended.
fn merge_list(list: &mut Vec<Value>, items: &[Value], key: &str) -> Result<(), String> {
    for item in items {
        let Some(id) = item.get(key) else {
            return Err(format!("a list element has no merge key {key:?}"));
        };
        let at = list.iter().position(|x| x.get(key) == Some(id));
        match (item.get("$patch").and_then(Value::as_str), at) {
            (Some("delete"), Some(i)) => {
                list.remove(i);
            }
            (Some("delete"), None) => {}
            (_, Some(i)) => apply(&mut list[i], item)?,
            (_, None) => {
                let mut new = Value::Null;
                apply(&mut new, item)?;
                list.push(new);
            }
        }
    }
    Ok(())
}

/// Puts the elements `order` names first, in its order; the rest keep theirs.
fn reorder(list: &mut [Value], order: &[Value], key: Option<&str>) {
    let id = |x: &Value| match key {
        Some(k) => x.get(k).cloned(),
        None => Some(x.clone()),
    };
    let rank = |x: &Value| {
        id(x)
            .and_then(|i| {
                order
                    .iter()
                    .position(|o| id(o) == Some(i.clone()) || *o == i)
            })
            .unwrap_or(usize::MAX)
    };
    list.sort_by_key(rank);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn containers_merge_by_name() {
        let mut d = json!({"spec": {"replicas": 1, "template": {"spec": {"containers": [
            {"name": "web", "image": "nginx", "ports": [{"containerPort": 80}]},
            {"name": "log", "image": "busybox"}]}}}});
        apply(
            &mut d,
            &json!({"spec": {"template": {"spec": {"containers": [
                {"name": "log", "image": "busybox:2"},
                {"name": "web", "ports": [{"containerPort": 443}]},
                {"name": "new", "image": "redis"}]}}}}),
        )
        .unwrap();
        let c = &d["spec"]["template"]["spec"]["containers"];
        assert_eq!(c.as_array().unwrap().len(), 3);
        assert_eq!(c[0]["image"], "nginx");
        assert_eq!(
            c[0]["ports"],
            json!([{"containerPort": 80}, {"containerPort": 443}])
        );
        assert_eq!(c[1]["image"], "busybox:2");
        assert_eq!(c[2]["name"], "new");
        // Delete one, put the others in kubectl's order, drop a field.
        apply(
            &mut d,
            &json!({"spec": {"replicas": null, "template": {"spec": {
                "$setElementOrder/containers": [{"name": "new"}, {"name": "web"}],
                "containers": [{"name": "log", "$patch": "delete"}]}}}}),
        )
        .unwrap();
        let names: Vec<&str> = d["spec"]["template"]["spec"]["containers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["new", "web"]);
        assert!(d["spec"].get("replicas").is_none());
        // Lists without a merge key are replaced; finalizers merge as a set.
        let mut o = json!({"metadata": {"finalizers": ["a"]}, "rules": [{"verbs": ["get"]}]});
        apply(
            &mut o,
            &json!({"metadata": {"finalizers": ["b", "a"]}, "rules": [{"verbs": ["list"]}]}),
        )
        .unwrap();
        assert_eq!(
            o,
            json!({"metadata": {"finalizers": ["a", "b"]}, "rules": [{"verbs": ["list"]}]})
        );
        assert!(apply(&mut o, &json!({"$bogus": 1})).is_err());
        assert!(
            apply(
                &mut d,
                &json!({"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}})
            )
            .is_err()
        );
    }

    /// A fuzz-style test: mutated patches get an answer, never a panic.
    #[test]
    fn mutated_patches_never_panic() {
        let seed = br#"{"spec":{"containers":[{"name":"a","$patch":"delete"}],"$setElementOrder/containers":[{"name":"a"}],"$retainKeys":["x"],"$deleteFromPrimitiveList/finalizers":["f"]}}"#;
        let mut m = super::super::Mutator::new(0x5eed_1234_abcd_0001);
        for _ in 0..10_000 {
            let s = m.mutate(seed, b"{}[]\":,$/a-", 0, 5);
            if let Ok(p) = serde_json::from_slice::<Value>(&s) {
                let mut t = json!({"spec": {"containers": [{"name": "a"}, {"name": "b"}],
                                            "finalizers": ["f"]}});
                let _ = apply(&mut t, &p);
            }
        }
    }
}
