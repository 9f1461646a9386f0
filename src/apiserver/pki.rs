//! The API server's certificates, made with rcgen: a CA, the serving certificate
//! (127.0.0.1 and localhost) and client certificates whose CN is the user and whose O
//! entries are the groups, as kube-apiserver's x509 authenticator reads them.

use anyhow::{Context, Result};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};

/// A certificate and its private key, both PEM.
#[derive(Clone, Debug)]
pub struct Pair {
    pub cert: String,
    pub key: String,
}

const CA_NAME: &str = "contlab-apiserver-ca";

/// The CA's parameters. They are the same every time, so a CA key read back from disk
/// issues certificates whose issuer name matches the CA certificate.
fn ca_params() -> CertificateParams {
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, CA_NAME);
    p.distinguished_name = dn;
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    p
}

/// A new CA.
pub fn new_ca() -> Result<Pair> {
    let key = KeyPair::generate().context("cannot make the CA key")?;
    let cert = ca_params()
        .self_signed(&key)
        .context("cannot sign the CA certificate")?;
    Ok(Pair {
        cert: cert.pem(),
        key: key.serialize_pem(),
    })
}

/// What a leaf certificate is for.
pub enum Leaf<'a> {
    /// The server's: 127.0.0.1 and localhost.
    Server,
    /// A client's: CN is the user name, each O a group.
    Client { user: &'a str, groups: &'a [String] },
}

/// Issues a leaf certificate with a fresh key, signed by the CA whose key is `ca_key`.
pub fn issue(ca_key: &str, leaf: Leaf) -> Result<Pair> {
    let ca_key = KeyPair::from_pem(ca_key).context("cannot read the CA key")?;
    let issuer = Issuer::new(ca_params(), ca_key);
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    match leaf {
        Leaf::Server => {
            dn.push(DnType::CommonName, "contlab-apiserver");
            p.subject_alt_names = vec![
                SanType::IpAddress(std::net::Ipv4Addr::LOCALHOST.into()),
                SanType::DnsName("localhost".try_into()?),
            ];
            p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        }
        Leaf::Client { user, groups } => {
            // rcgen keeps one value per attribute type; the O attribute's OID spelled as a
            // custom type is a second key, so a certificate made here carries up to two
            // groups (a CSR signed by openssl may carry more).
            let o = org_types();
            if groups.len() > o.len() {
                anyhow::bail!("a certificate made here carries at most two groups (O values)");
            }
            for (ty, g) in o.into_iter().zip(groups) {
                dn.push(ty, g.as_str());
            }
            dn.push(DnType::CommonName, user);
            p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        }
    }
    p.distinguished_name = dn;
    p.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    p.use_authority_key_identifier_extension = true;
    let key = KeyPair::generate().context("cannot make a key")?;
    let cert = p
        .signed_by(&key, &issuer)
        .context("cannot sign a certificate")?;
    Ok(Pair {
        cert: cert.pem(),
        key: key.serialize_pem(),
    })
}

/// Why a CSR was not signed.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("not a PKCS#10 certificate signing request, or its signature is wrong")]
    Unreadable,
    #[error("the request has no common name (CN), which names the user")]
    NoUser,
    #[error(
        "the request names {0} groups (O values); a certificate signed here carries at most two"
    )]
    TooManyGroups(usize),
    #[error("cannot sign: {0}")]
    Sign(String),
}

/// The O attribute's two spellings in rcgen, which keeps one value per attribute type.
fn org_types() -> [DnType; 2] {
    [
        DnType::OrganizationName,
        DnType::CustomDnType(vec![2, 5, 4, 10]),
    ]
}

/// Signs a student's PEM CSR with the CA, as a client certificate valid for `days`:
/// the request's CN stays the user and its O values the groups. The CSR's own signature
/// is checked, so only the holder of its key could have asked.
pub fn sign_csr(ca: &Pair, csr_pem: &str, days: u32) -> Result<String, SignError> {
    let csr = rcgen::CertificateSigningRequestParams::from_pem(csr_pem)
        .map_err(|_| SignError::Unreadable)?;
    // rcgen reads one O value; the subject is read again here to keep them all.
    let der = pem_body(csr_pem).ok_or(SignError::Unreadable)?;
    let (user, groups) = {
        use x509_cert::der::Decode;
        let req = x509_cert::request::CertReq::from_der(&der).map_err(|_| SignError::Unreadable)?;
        subject_names(&req.info.subject).ok_or(SignError::NoUser)?
    };
    if groups.len() > org_types().len() {
        return Err(SignError::TooManyGroups(groups.len()));
    }
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    for (ty, g) in org_types().into_iter().zip(&groups) {
        dn.push(ty, g.as_str());
    }
    dn.push(DnType::CommonName, user.as_str());
    p.distinguished_name = dn;
    let now = time::OffsetDateTime::now_utc();
    p.not_before = now - time::Duration::minutes(5);
    p.not_after = now + time::Duration::days(i64::from(days));
    p.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    p.use_authority_key_identifier_extension = true;
    let ca_key = KeyPair::from_pem(&ca.key).map_err(|e| SignError::Sign(e.to_string()))?;
    let issuer = Issuer::new(ca_params(), ca_key);
    let signed = rcgen::CertificateSigningRequestParams {
        params: p,
        public_key: csr.public_key,
    }
    .signed_by(&issuer)
    .map_err(|e| SignError::Sign(e.to_string()))?;
    Ok(signed.pem())
}

/// The DER inside the first PEM block of `text`.
fn pem_body(text: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    let start = text.find("-----BEGIN ")?;
    let body = text[start..].split_once('\n')?.1;
    let body = &body[..body.find("-----END ")?];
    let b64: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD.decode(b64).ok()
}

/// The subject of a client certificate (DER): its CN and its O entries, in order.
pub fn subject_of(der: &[u8]) -> Option<(String, Vec<String>)> {
    use x509_cert::der::Decode;
    let cert = x509_cert::Certificate::from_der(der).ok()?;
    subject_names(&cert.tbs_certificate.subject)
}

/// A name's CN and its O entries, in order.
fn subject_names(name: &x509_cert::name::Name) -> Option<(String, Vec<String>)> {
    let mut cn = None;
    let mut orgs = Vec::new();
    for rdn in name.0.iter() {
        for atv in rdn.0.iter() {
            let text = atv_text(&atv.value)?;
            if atv.oid == x509_cert::der::oid::db::rfc4519::CN {
                cn = Some(text);
            } else if atv.oid == x509_cert::der::oid::db::rfc4519::O {
                orgs.push(text);
            }
        }
    }
    Some((cn?, orgs))
}

fn atv_text(v: &x509_cert::der::Any) -> Option<String> {
    use x509_cert::der::asn1::{PrintableStringRef, Utf8StringRef};
    if let Ok(s) = v.decode_as::<Utf8StringRef>() {
        return Some(s.as_str().to_string());
    }
    v.decode_as::<PrintableStringRef>()
        .ok()
        .map(|s| s.as_str().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_certificate_carries_user_and_groups() {
        let ca = new_ca().unwrap();
        let groups = vec!["dev".to_string(), "ops".to_string()];
        let c = issue(
            &ca.key,
            Leaf::Client {
                user: "jane",
                groups: &groups,
            },
        )
        .unwrap();
        use rustls::pki_types::pem::PemObject;
        let der = rustls::pki_types::CertificateDer::from_pem_slice(c.cert.as_bytes()).unwrap();
        assert_eq!(subject_of(&der), Some(("jane".to_string(), groups.clone())));
        assert_eq!(subject_of(b"not a certificate"), None);
        let three = vec!["a".to_string(), "b".into(), "c".into()];
        let refused = issue(
            &ca.key,
            Leaf::Client {
                user: "x",
                groups: &three,
            },
        );
        assert!(refused.is_err());
    }
}
