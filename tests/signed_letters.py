"""A throwaway PKI made in the tests, and letters signed with pyHanko as an Indonesian TTE signer would.

Root ("Uji Root CA Indonesia", standing in for Root CA Indonesia DS G1) → intermediate ("Uji BSrE CA", standing in
for BSrE's CA, carried inside each signature as BSrE's are) → the signer. Validity runs from 2020 to 2100, so the
suite passes on any date (`make test-moved-clock`).
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

SIGNER = "Dr. Hj. Siti Aminah, M.Kes."
VALID_FROM = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
VALID_UNTIL = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Pki:
    root: x509.Certificate
    intermediate: x509.Certificate
    signer: x509.Certificate
    signer_key: ec.EllipticCurvePrivateKey

    @property
    def root_pem(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.PEM)

    @property
    def root_der(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.DER)

    def write_root(self, folder: Path, pem: bool = True) -> Path:
        path = folder / ("root-ca.pem" if pem else "root-ca.cer")
        path.write_bytes(self.root_pem if pem else self.root_der)
        return path


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Uji Vicon"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _usage(*, sign_documents: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign_documents,
        content_commitment=sign_documents,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not sign_documents,
        crl_sign=not sign_documents,
        encipher_only=False,
        decipher_only=False,
    )


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Certificate | None,
    issuer_key: ec.EllipticCurvePrivateKey,
    ca: bool,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer.subject if issuer else _name(subject))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(VALID_FROM)
        .not_valid_after(VALID_UNTIL)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(_usage(sign_documents=not ca), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


def make_pki(signer: str = SIGNER, root_name: str = "Uji Root CA Indonesia") -> Pki:
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = _certificate(root_name, root_key, None, root_key, ca=True)
    intermediate_key = ec.generate_private_key(ec.SECP256R1())
    intermediate = _certificate("Uji BSrE CA", intermediate_key, root, root_key, ca=True)
    signer_key = ec.generate_private_key(ec.SECP256R1())
    return Pki(
        root, intermediate, _certificate(signer, signer_key, intermediate, intermediate_key, ca=False), signer_key
    )


@cache
def shared_pki() -> Pki:
    """One PKI per test process (key generation is quick, but signing many letters need not repeat it)."""
    return make_pki()


def sign(pdf: bytes, pki: Pki, field_name: str = "TTE") -> bytes:
    """`pdf` with a PAdES signature by the PKI's signer added in an incremental update, the chain embedded.

    In a thread of its own: pyHanko signs with asyncio.run, and a browser test's thread runs Playwright's loop.
    """
    with concurrent.futures.ThreadPoolExecutor(1) as worker:
        return worker.submit(_sign, pdf, pki, field_name).result()


def _sign(pdf: bytes, pki: Pki, field_name: str) -> bytes:
    from asn1crypto import keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    def load(certificate: x509.Certificate) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))

    key = pki.signer_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    signer = signers.SimpleSigner(
        signing_cert=load(pki.signer),
        signing_key=keys.PrivateKeyInfo.load(key),
        cert_registry=SimpleCertificateStore.from_certs([load(pki.intermediate)]),
    )
    out = io.BytesIO()
    signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False),
        signers.PdfSignatureMetadata(field_name=field_name),
        signer=signer,
        output=out,
    )
    return out.getvalue()


def flip_signed_byte(signed: bytes) -> bytes:
    """A byte inside the signed range changed (the page's width 595 → 596): the signature's digest no longer fits."""
    assert signed.count(b"/MediaBox [0 0 595 842]") >= 1
    return signed.replace(b"/MediaBox [0 0 595 842]", b"/MediaBox [0 0 596 842]", 1)


def rewrite_after_signing(signed: bytes, lines: tuple[str, ...] | list[str]) -> bytes:
    """An incremental update after the signature that replaces the first page's text: the signed revision is
    untouched (its bytes still match), but what a reader shows is no longer what was signed."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    from tests.pdfs import text_content

    writer = IncrementalPdfFileWriter(io.BytesIO(signed), strict=False)
    page_ref = writer.root["/Pages"].raw_get("/Kids")[0]
    page = page_ref.get_object()
    page["/Contents"] = writer.add_object(generic.StreamObject(stream_data=text_content(lines)))
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
