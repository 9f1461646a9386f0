//! ServiceAccount tokens as kube-apiserver issues them: JWTs signed (ES256) with a key
//! made at `up`, whose subject is `system:serviceaccount:NS:NAME`. The server accepts a
//! token whose signature, issuer, audience and expiry hold, as that ServiceAccount with
//! the groups `system:serviceaccounts` and `system:serviceaccounts:NS`; anything else
//! presented as a token is a 401.

use crate::rbac::UserInfo;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// The issuer and audience kube-apiserver uses by default.
pub const ISSUER: &str = "https://kubernetes.default.svc.cluster.local";
const PREFIX: &str = "system:serviceaccount:";

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    iss: String,
    sub: String,
    aud: Vec<String>,
    iat: i64,
    nbf: i64,
    exp: i64,
    #[serde(rename = "kubernetes.io")]
    kubernetes: KubeClaims,
}

#[derive(Debug, Serialize, Deserialize)]
struct KubeClaims {
    namespace: String,
    serviceaccount: Named,
}

#[derive(Debug, Serialize, Deserialize)]
struct Named {
    name: String,
}

/// Why a token was not made.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("{0:?} is not NAMESPACE/SERVICEACCOUNT")]
    BadName(String),
    #[error("cannot sign the token: {0}")]
    Sign(String),
}

/// A new signing key (PKCS#8 PEM, P-256).
pub fn new_key() -> anyhow::Result<String> {
    Ok(rcgen::KeyPair::generate()?.serialize_pem())
}

/// Signs a token for `ns_sa` (`NAMESPACE/NAME`) valid `secs` seconds from `now`.
pub fn issue(key_pem: &str, ns_sa: &str, now: i64, secs: i64) -> Result<String, TokenError> {
    let bad = || TokenError::BadName(ns_sa.to_string());
    let (ns, sa) = ns_sa.split_once('/').ok_or_else(bad)?;
    let ok = |s: &str| {
        !s.is_empty()
            && s.len() <= 253
            && s.bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'.')
    };
    if !ok(ns) || !ok(sa) {
        return Err(bad());
    }
    let claims = Claims {
        iss: ISSUER.into(),
        sub: format!("{PREFIX}{ns}:{sa}"),
        aud: vec![ISSUER.into()],
        iat: now,
        nbf: now,
        exp: now + secs,
        kubernetes: KubeClaims {
            namespace: ns.into(),
            serviceaccount: Named { name: sa.into() },
        },
    };
    let key = EncodingKey::from_ec_pem(key_pem.as_bytes())
        .map_err(|e| TokenError::Sign(e.to_string()))?;
    jsonwebtoken::encode(&Header::new(Algorithm::ES256), &claims, &key)
        .map_err(|e| TokenError::Sign(e.to_string()))
}

/// What checks tokens: the public half of the signing key.
pub struct Verifier(DecodingKey);

impl Verifier {
    pub fn new(key_pem: &str) -> anyhow::Result<Verifier> {
        let pair = rcgen::KeyPair::from_pem(key_pem)?;
        Ok(Verifier(DecodingKey::from_ec_pem(
            pair.public_key_pem().as_bytes(),
        )?))
    }

    /// The ServiceAccount a valid token names; None for a bad signature, a wrong issuer
    /// or audience, an expired token, or a subject that is not a ServiceAccount.
    pub fn verify(&self, token: &str) -> Option<UserInfo> {
        let mut v = Validation::new(Algorithm::ES256);
        v.leeway = 0;
        v.validate_nbf = true;
        v.set_issuer(&[ISSUER]);
        v.set_audience(&[ISSUER]);
        let claims = jsonwebtoken::decode::<Claims>(token, &self.0, &v)
            .ok()?
            .claims;
        let (ns, sa) = claims.sub.strip_prefix(PREFIX)?.split_once(':')?;
        if ns != claims.kubernetes.namespace || sa != claims.kubernetes.serviceaccount.name {
            return None;
        }
        Some(UserInfo::new(
            &claims.sub,
            &[
                "system:serviceaccounts".to_string(),
                format!("system:serviceaccounts:{ns}"),
            ],
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_names_its_service_account_until_it_expires() {
        let key = new_key().unwrap();
        let v = Verifier::new(&key).unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let t = issue(&key, "dev/builder", now, 600).unwrap();
        let u = v.verify(&t).unwrap();
        assert_eq!(u.name, "system:serviceaccount:dev:builder");
        assert!(u.in_group("system:serviceaccounts:dev") && u.in_group("system:authenticated"));
        // Expired, signed by another key, or altered: refused.
        assert!(
            v.verify(&issue(&key, "dev/b", now - 100, 10).unwrap())
                .is_none()
        );
        let other = new_key().unwrap();
        assert!(
            v.verify(&issue(&other, "dev/b", now, 600).unwrap())
                .is_none()
        );
        let mut altered = t.clone();
        altered.insert(t.len() - 3, 'A');
        assert!(v.verify(&altered).is_none());
        assert!(issue(&key, "nobody", now, 60).is_err());
        assert!(issue(&key, "Dev/x", now, 60).is_err());
    }
}
