//! Authentication as kube-apiserver does it: a client certificate signed by the CA (CN is
//! the user, each O a group), a bearer token from the static token file or a
//! ServiceAccount token (`satoken`), or, with no
//! credentials at all, `system:anonymous`. A credential that is presented and wrong is a
//! 401, never a fallback to anonymous.
//!
//! TLS asks for a client certificate but accepts any (as Go's `RequestClientCert`), still
//! checking that the client holds its key; the chain is verified here, so a bad
//! certificate gets kube-apiserver's 401 body instead of a failed handshake.

use crate::rbac::UserInfo;
use rustls::DistinguishedName;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use std::collections::HashMap;
use std::sync::Arc;

/// Accepts any client certificate at the TLS layer; see the module's comment.
#[derive(Debug)]
pub struct AnyClientCert(pub Arc<dyn ClientCertVerifier>);

impl ClientCertVerifier for AnyClientCert {
    fn offer_client_auth(&self) -> bool {
        true
    }
    fn client_auth_mandatory(&self) -> bool {
        false
    }
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.0.root_hint_subjects()
    }
    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// Who made a request, or why nobody could be named.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    User(UserInfo),
    /// Credentials were presented and are not valid (or anonymous requests are off).
    Unauthorized,
}

pub struct Authenticator {
    /// The CA's verifier, asked about each presented client certificate.
    pub verifier: Arc<dyn ClientCertVerifier>,
    pub tokens: HashMap<String, UserInfo>,
    /// Checks ServiceAccount tokens (JWTs).
    pub service_accounts: Option<super::satoken::Verifier>,
    pub anonymous: bool,
}

/// Reads kube-apiserver's static token file: `token,user,uid[,"group1,group2"]` a line.
pub fn parse_token_file(text: &str) -> HashMap<String, UserInfo> {
    let mut out = HashMap::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut fields = line.splitn(4, ',');
        let (Some(token), Some(user)) = (fields.next(), fields.next()) else {
            continue;
        };
        let _uid = fields.next();
        let groups: Vec<String> = fields
            .next()
            .map(|g| {
                g.trim_matches('"')
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        if !token.is_empty() && !user.is_empty() {
            out.insert(token.to_string(), UserInfo::new(user, &groups));
        }
    }
    out
}

impl Authenticator {
    /// `certs` is the client's chain (end entity first), `authorization` its header.
    pub fn authenticate(
        &self,
        certs: Option<&[CertificateDer<'static>]>,
        authorization: Option<&str>,
    ) -> Outcome {
        if let Some((leaf, rest)) = certs.and_then(|c| c.split_first()) {
            let ok = self
                .verifier
                .verify_client_cert(leaf, rest, UnixTime::now())
                .is_ok();
            return match super::pki::subject_of(leaf) {
                Some((user, groups)) if ok && !user.is_empty() => {
                    Outcome::User(UserInfo::new(&user, &groups))
                }
                _ => Outcome::Unauthorized,
            };
        }
        if let Some(auth) = authorization {
            let token = auth
                .strip_prefix("Bearer ")
                .or_else(|| auth.strip_prefix("bearer "))
                .map(str::trim);
            let static_user = token.and_then(|t| self.tokens.get(t)).cloned();
            let sa_user = || {
                let v = self.service_accounts.as_ref()?;
                v.verify(token?)
            };
            return match static_user.or_else(sa_user) {
                Some(u) => Outcome::User(u),
                None => Outcome::Unauthorized,
            };
        }
        if self.anonymous {
            Outcome::User(UserInfo::new(crate::rbac::request::ANONYMOUS, &[]))
        } else {
            Outcome::Unauthorized
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_file_lines() {
        let t = parse_token_file("# comment\nabc,jane,1,\"dev,ops\"\nxyz,bob,2\n,nobody,3\n");
        assert_eq!(t.len(), 2);
        assert_eq!(t["abc"].name, "jane");
        assert!(t["abc"].in_group("ops") && t["abc"].in_group("system:authenticated"));
        assert_eq!(t["xyz"].groups, vec!["system:authenticated".to_string()]);
    }
}
