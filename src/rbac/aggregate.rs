//! ClusterRole aggregation: a ClusterRole with an `aggregationRule` gets the rules of
//! every other ClusterRole whose labels one of its selectors matches, merged in name order
//! without duplicates. In a cluster a controller writes those rules into the role (over
//! whatever `rules` it had); here they are computed once at load.

use k8s_openapi::api::rbac::v1::{ClusterRole, PolicyRule};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use std::collections::BTreeMap;

/// Does the selector match these labels? matchLabels and matchExpressions must all hold;
/// an empty selector matches everything, as `LabelSelector` does in the API.
pub fn selector_matches(sel: &LabelSelector, labels: &BTreeMap<String, String>) -> bool {
    let labels_ok = sel
        .match_labels
        .iter()
        .flatten()
        .all(|(k, v)| labels.get(k) == Some(v));
    let exprs_ok = sel.match_expressions.iter().flatten().all(|e| {
        let values = e.values.as_deref().unwrap_or(&[]);
        let value = labels.get(&e.key);
        match e.operator.as_str() {
            "In" => value.is_some_and(|v| values.contains(v)),
            "NotIn" => value.is_none_or(|v| !values.contains(v)),
            "Exists" => value.is_some(),
            "DoesNotExist" => value.is_none(),
            // The loader rejects other operators; an unknown one selects nothing.
            _ => false,
        }
    });
    labels_ok && exprs_ok
}

/// The effective rules of every ClusterRole, by name. Aggregation is transitive (`admin`
/// aggregates `edit`, which aggregates roles of its own), so the merge is repeated until
/// nothing changes, as the controller converges in a cluster. Rules only ever grow, so
/// this ends; a role never selects itself.
pub fn effective_rules(roles: &[&ClusterRole]) -> BTreeMap<String, Vec<PolicyRule>> {
    let empty = BTreeMap::new();
    let mut by_name: BTreeMap<String, &ClusterRole> = BTreeMap::new();
    for r in roles {
        by_name.insert(r.metadata.name.clone().unwrap_or_default(), r);
    }
    let mut rules: BTreeMap<String, Vec<PolicyRule>> = by_name
        .iter()
        .map(|(n, r)| {
            let own = if r.aggregation_rule.is_some() {
                Vec::new()
            } else {
                r.rules.clone().unwrap_or_default()
            };
            (n.clone(), own)
        })
        .collect();
    // Which roles each aggregating role selects, in name order; fixed by labels alone.
    let selected: Vec<(String, Vec<String>)> = by_name
        .iter()
        .filter_map(|(name, r)| {
            let selectors = r.aggregation_rule.as_ref()?.cluster_role_selectors.as_ref();
            let picks = by_name
                .iter()
                .filter(|(other, o)| {
                    *other != name
                        && selectors.is_some_and(|sels| {
                            let labels = o.metadata.labels.as_ref().unwrap_or(&empty);
                            sels.iter().any(|s| selector_matches(s, labels))
                        })
                })
                .map(|(n, _)| n.clone())
                .collect();
            Some((name.clone(), picks))
        })
        .collect();
    for _ in 0..=selected.len() {
        let mut changed = false;
        for (name, picks) in &selected {
            let mut merged: Vec<PolicyRule> = Vec::new();
            for p in picks {
                for rule in &rules[p] {
                    if !merged.contains(rule) {
                        merged.push(rule.clone());
                    }
                }
            }
            if rules[name] != merged {
                rules.insert(name.clone(), merged);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    rules
}
