/**
 * Every object identifier raytls reads or writes, and the names it shows for them (openssl's
 * short names, so `raytls inspect` reads like `openssl x509 -text`).
 */

export const OID = {
  // Extensions (RFC 5280 4.2.1)
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  authorityKeyIdentifier: "2.5.29.35",
  extKeyUsage: "2.5.29.37",
  // Extended key usages
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
  anyExtendedKeyUsage: "2.5.29.37.0",
  // Keys
  rsaEncryption: "1.2.840.113549.1.1.1",
  ecPublicKey: "1.2.840.10045.2.1",
  ed25519: "1.3.101.112",
  prime256v1: "1.2.840.10045.3.1.7",
  secp384r1: "1.3.132.0.34",
  // Signature algorithms raytls signs with (RFC 5758, RFC 4055)
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  ecdsaWithSha384: "1.2.840.10045.4.3.3",
  sha256WithRsa: "1.2.840.113549.1.1.11",
  // PKCS#9 extensionRequest (RFC 2986 / RFC 2985)
  extensionRequest: "1.2.840.113549.1.9.14",
  // Attributes
  commonName: "2.5.4.3",
} as const;

/** Extended key usage names, as openssl's short names. */
export const EKU_NAMES: Record<string, string> = {
  [OID.serverAuth]: "serverAuth",
  [OID.clientAuth]: "clientAuth",
  "1.3.6.1.5.5.7.3.3": "codeSigning",
  "1.3.6.1.5.5.7.3.4": "emailProtection",
  "1.3.6.1.5.5.7.3.8": "timeStamping",
  "1.3.6.1.5.5.7.3.9": "OCSPSigning",
  [OID.anyExtendedKeyUsage]: "any",
};

export const ekuName = (oid: string): string => EKU_NAMES[oid] ?? oid;

/** keyUsage bit names in bit order (RFC 5280 4.2.1.3). */
export const KEY_USAGE_NAMES = ["digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly"] as const;

/** Signature algorithms: name, the hash node:crypto verifies with, and the key type they need. */
export const SIGNATURE_ALGORITHMS: Record<string, { name: string; hash: string | null; key: "ec" | "rsa" | "ed25519" }> = {
  [OID.ecdsaWithSha256]: { name: "ecdsa-with-SHA256", hash: "sha256", key: "ec" },
  [OID.ecdsaWithSha384]: { name: "ecdsa-with-SHA384", hash: "sha384", key: "ec" },
  "1.2.840.10045.4.3.4": { name: "ecdsa-with-SHA512", hash: "sha512", key: "ec" },
  "1.2.840.10045.4.1": { name: "ecdsa-with-SHA1", hash: "sha1", key: "ec" },
  [OID.sha256WithRsa]: { name: "sha256WithRSAEncryption", hash: "sha256", key: "rsa" },
  "1.2.840.113549.1.1.12": { name: "sha384WithRSAEncryption", hash: "sha384", key: "rsa" },
  "1.2.840.113549.1.1.13": { name: "sha512WithRSAEncryption", hash: "sha512", key: "rsa" },
  "1.2.840.113549.1.1.5": { name: "sha1WithRSAEncryption", hash: "sha1", key: "rsa" },
  [OID.ed25519]: { name: "ED25519", hash: null, key: "ed25519" },
};

/** Directory attribute types: the short name shown and accepted in `-subj` notation. */
export const RDN_ATTRIBUTES: Record<string, string> = {
  CN: OID.commonName,
  C: "2.5.4.6",
  L: "2.5.4.7",
  ST: "2.5.4.8",
  O: "2.5.4.10",
  OU: "2.5.4.11",
  emailAddress: "1.2.840.113549.1.9.1",
};

const RDN_NAMES: Record<string, string> = Object.fromEntries(
  [...Object.entries(RDN_ATTRIBUTES), ["serialNumber", "2.5.4.5"], ["DC", "0.9.2342.19200300.100.1.25"], ["UID", "0.9.2342.19200300.100.1.1"]].map(([k, v]) => [v, k]),
);

export const rdnName = (oid: string): string => RDN_NAMES[oid] ?? oid;

/**
 * Extensions OpenSSL 3.0 understands (X509_supported_extension in crypto/x509/v3_purp.c); any
 * other extension marked critical makes OpenSSL, and so gRPC C-core, refuse the certificate.
 */
export const OPENSSL_SUPPORTED_EXTENSIONS = new Set([
  "2.16.840.1.113730.1.1", // netscape cert type
  OID.keyUsage,
  OID.subjectAltName,
  OID.basicConstraints,
  "2.5.29.32", // certificatePolicies
  "2.5.29.31", // cRLDistributionPoints
  OID.extKeyUsage,
  "1.3.6.1.5.5.7.1.7", // sbgp-ipAddrBlock
  "1.3.6.1.5.5.7.1.8", // sbgp-autonomousSysNum
  "1.3.6.1.5.5.7.48.1.5", // OCSP noCheck
  "2.5.29.36", // policyConstraints
  "1.3.6.1.5.5.7.1.14", // proxyCertInfo
  "2.5.29.30", // nameConstraints
  "2.5.29.33", // policyMappings
  "2.5.29.54", // inhibitAnyPolicy
]);
