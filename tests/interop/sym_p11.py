#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""One C_Encrypt or C_Decrypt through PyKCS11 with a known key imported as a session object, for
the mechanisms pkcs11-tool cannot drive (test_sym.sh compares the result with OpenSSL).

usage: sym_p11.py MODULE PIN MECH KEYHEX IVHEX AADHEX enc|dec INFILE OUTFILE
  MECH xts:              CKK_AES_XTS key (Key1 || Key2), IVHEX = the 16-byte tweak
  MECH chacha20:         CKK_CHACHA20 key, IVHEX = 4-byte little-endian block counter || 12-byte
                         nonce (OpenSSL's -iv layout), CK_CHACHA20_PARAMS
  MECH chacha20poly1305: CKK_CHACHA20 key, IVHEX = 12-byte nonce, AADHEX (may be ""),
                         CK_SALSA20_CHACHA20_POLY1305_PARAMS (ulNonceLen in bits); tag appended
Exit status 0 on success, 1 with the PKCS#11 error on stderr.
"""
import ctypes
import sys

import PyKCS11


class ChaChaParams(ctypes.Structure):
    _fields_ = [("pBlockCounter", ctypes.c_void_p), ("blockCounterBits", ctypes.c_ulong),
                ("pNonce", ctypes.c_void_p), ("ulNonceBits", ctypes.c_ulong)]


class AeadParams(ctypes.Structure):
    _fields_ = [("pNonce", ctypes.c_void_p), ("ulNonceLen", ctypes.c_ulong),
                ("pAAD", ctypes.c_void_p), ("ulAADLen", ctypes.c_ulong)]


def buf(b):
    """A ctypes buffer (kept alive by the caller) and its address."""
    cb = ctypes.create_string_buffer(b, max(len(b), 1))
    return cb, ctypes.addressof(cb)


def main(argv):
    module, pin, mech, keyhex, ivhex, aadhex, op, infile, outfile = argv[1:10]
    key, iv, aad = bytes.fromhex(keyhex), bytes.fromhex(ivhex), bytes.fromhex(aadhex)
    keep = []  # buffers the parameter structure points into
    if mech == "xts":
        kt, m = PyKCS11.CKK_AES_XTS, PyKCS11.Mechanism(PyKCS11.CKM_AES_XTS, iv)
    elif mech == "chacha20":
        ctr, ctr_p = buf(iv[:4])
        nonce, nonce_p = buf(iv[4:])
        keep += [ctr, nonce]
        p = ChaChaParams(ctr_p, 32, nonce_p, 96)
        kt, m = PyKCS11.CKK_CHACHA20, PyKCS11.Mechanism(PyKCS11.CKM_CHACHA20, bytes(p))
    elif mech == "chacha20poly1305":
        nonce, nonce_p = buf(iv)
        a, a_p = buf(aad)
        keep += [nonce, a]
        p = AeadParams(nonce_p, 8 * len(iv), a_p if aad else None, len(aad))
        kt = PyKCS11.CKK_CHACHA20
        m = PyKCS11.Mechanism(PyKCS11.CKM_CHACHA20_POLY1305, bytes(p))
    else:
        raise SystemExit("unknown mechanism " + mech)
    lib = PyKCS11.PyKCS11Lib()
    lib.load(module)
    slot = lib.getSlotList(tokenPresent=True)[0]
    s = lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)
    try:
        s.login(pin)
        h = s.createObject([(PyKCS11.CKA_CLASS, PyKCS11.CKO_SECRET_KEY),
                            (PyKCS11.CKA_KEY_TYPE, kt), (PyKCS11.CKA_TOKEN, False),
                            (PyKCS11.CKA_VALUE, key), (PyKCS11.CKA_ENCRYPT, True),
                            (PyKCS11.CKA_DECRYPT, True)])
        with open(infile, "rb") as f:
            data = f.read()
        out = s.encrypt(h, data, m) if op == "enc" else s.decrypt(h, data, m)
        with open(outfile, "wb") as f:
            f.write(bytes(out))
        s.logout()
    except PyKCS11.PyKCS11Error as e:
        print("sym_p11.py %s %s: %s" % (mech, op, e), file=sys.stderr)
        return 1
    finally:
        s.closeSession()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
