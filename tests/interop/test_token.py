#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Token behaviour through a real PKCS#11 client (PyKCS11) and OpenSC's pkcs11-tool:
persistence across C_Finalize/C_Initialize and processes, concurrent writers in two processes,
no secret bytes on disk, PIN lockout and unlock, private-object visibility, and the
pkcs11-tool / p11tool flows of issue 2.

usage: test_token.py MODULE            (runs every test, one TAP-like line each)
       test_token.py MODULE --child ... (internal: a worker process)
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

import PyKCS11
from PyKCS11 import LowLevel as LL

MODULE = os.path.abspath(sys.argv[1])
SO_PIN = "so-pin-123456"
USER_PIN = "user-pin-654321"


def make_env(tmp, **security):
    """A fresh storage folder and config; returns the environment for the module."""
    store = os.path.join(tmp, "store")
    cfg = os.path.join(tmp, "craton.conf")
    sec = {"pbkdf2_iterations": 10000, "backoff_initial_ms": 1, "backoff_max_ms": 2}
    sec.update(security)
    with open(cfg, "w") as f:
        f.write("[storage]\ndir = %s\n[security]\n" % store)
        for k, v in sec.items():
            f.write("%s = %s\n" % (k, v))
    env = dict(os.environ)
    env["CRATON_HSM_CONFIG"] = cfg
    return env, store


def load(env):
    os.environ.update(env)
    lib = PyKCS11.PyKCS11Lib()
    lib.load(MODULE)
    return lib


def rw_session(lib, login=True):
    s = lib.openSession(0, PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)
    if login:
        s.login(USER_PIN)
    return s


def init_token(lib):
    lib.initToken(0, SO_PIN, "craton test")
    s = lib.openSession(0, PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)
    s.login(SO_PIN, PyKCS11.CKU_SO)
    s.initPin(USER_PIN)
    s.logout()
    s.closeSession()


def data_template(label, value, token=True, private=False):
    return [
        (PyKCS11.CKA_CLASS, PyKCS11.CKO_DATA),
        (PyKCS11.CKA_TOKEN, token),
        (PyKCS11.CKA_PRIVATE, private),
        (PyKCS11.CKA_LABEL, label),
        (PyKCS11.CKA_VALUE, value),
    ]


def find_labels(s, label=None):
    tmpl = [(PyKCS11.CKA_CLASS, PyKCS11.CKO_DATA)]
    if label is not None:
        tmpl.append((PyKCS11.CKA_LABEL, label))
    objs = s.findObjects(tmpl)
    out = []
    for o in objs:
        v = s.getAttributeValue(o, [PyKCS11.CKA_LABEL])[0]
        out.append(v if isinstance(v, str) else bytes(v).decode())
    return sorted(out)


def child(args):
    """Worker process: `--child write N PREFIX` writes N token data objects;
    `--child count` prints the number of data objects."""
    env = dict(os.environ)
    lib = load(env)
    s = rw_session(lib)
    if args[0] == "write":
        n, prefix = int(args[1]), args[2]
        for i in range(n):
            s.createObject(data_template("%s-%03d" % (prefix, i), b"payload %d" % i))
    elif args[0] == "count":
        print(len(find_labels(s)))
    s.logout()
    s.closeSession()
    return 0


# ---- tests ------------------------------------------------------------------------------------


def test_persistence_across_init_and_processes(tmp):
    env, _ = make_env(tmp)
    lib = load(env)
    init_token(lib)
    s = rw_session(lib)
    s.createObject(data_template("persisted", b"value one"))
    s.logout()
    s.closeSession()
    # C_Finalize + C_Initialize in this process.
    del s
    lib = None
    lib = load(env)
    s = rw_session(lib)
    assert find_labels(s) == ["persisted"], find_labels(s)
    obj = s.findObjects([(PyKCS11.CKA_LABEL, "persisted")])[0]
    assert bytes(s.getAttributeValue(obj, [PyKCS11.CKA_VALUE])[0]) == b"value one"
    s.logout()
    s.closeSession()
    # Another process sees it too.
    out = subprocess.run([sys.executable, __file__, MODULE, "--child", "count"], env=env,
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1", out.stdout + out.stderr


def test_two_processes_write_at_once(tmp):
    env, _ = make_env(tmp)
    lib = load(env)
    init_token(lib)
    procs = [subprocess.Popen([sys.executable, __file__, MODULE, "--child", "write", "60", p],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for p in ("a", "b")]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode()
    s = rw_session(lib)
    labels = find_labels(s)
    want = sorted(["a-%03d" % i for i in range(60)] + ["b-%03d" % i for i in range(60)])
    assert labels == want, "lost or extra objects: %d found" % len(labels)
    s.logout()
    s.closeSession()


def test_no_secret_on_disk(tmp):
    env, store = make_env(tmp)
    lib = load(env)
    init_token(lib)
    s = rw_session(lib)
    secret = bytes(range(0x40, 0x60))  # 32 recognisable bytes
    s.createObject([
        (PyKCS11.CKA_CLASS, PyKCS11.CKO_SECRET_KEY),
        (PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_AES),
        (PyKCS11.CKA_TOKEN, True),
        (PyKCS11.CKA_LABEL, "aes-secret"),
        (PyKCS11.CKA_VALUE, secret),
    ])
    s.createObject(data_template("private-data", b"private payload 0123456789", private=True))
    s.logout()
    s.closeSession()
    lib = None
    needles = [secret, secret[:16], USER_PIN.encode(), SO_PIN.encode(),
               b"private payload 0123456789"]
    for name in os.listdir(store):
        blob = open(os.path.join(store, name), "rb").read()
        for n in needles:
            assert n not in blob, "%s contains a secret (%r...)" % (name, n[:6])


def test_lockout_and_unlock(tmp):
    env, _ = make_env(tmp, max_failed_logins=10)
    lib = load(env)
    init_token(lib)
    s = lib.openSession(0, PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)
    for i in range(10):
        try:
            s.login("wrong-pin-%d" % i)
            raise AssertionError("a wrong PIN was accepted")
        except PyKCS11.PyKCS11Error as e:
            assert e.value in (LL.CKR_PIN_INCORRECT, LL.CKR_PIN_LOCKED), e
    info = lib.getTokenInfo(0)
    assert info.flags & PyKCS11.CKF_USER_PIN_LOCKED, "token does not report the lock"
    try:
        s.login(USER_PIN)
        raise AssertionError("the right PIN worked on a locked token")
    except PyKCS11.PyKCS11Error as e:
        assert e.value == LL.CKR_PIN_LOCKED, e
    s.login(SO_PIN, PyKCS11.CKU_SO)
    s.initPin(USER_PIN)
    s.logout()
    s.login(USER_PIN)
    s.logout()
    s.closeSession()


def test_private_objects_need_login(tmp):
    env, _ = make_env(tmp)
    lib = load(env)
    init_token(lib)
    s = rw_session(lib)
    s.createObject(data_template("pub", b"1"))
    s.createObject(data_template("priv", b"2", private=True))
    assert find_labels(s) == ["priv", "pub"]
    s.logout()
    assert find_labels(s) == ["pub"], "a private object is visible without login"
    try:
        s.createObject(data_template("priv2", b"3", private=True))
        raise AssertionError("private object created without login")
    except PyKCS11.PyKCS11Error as e:
        assert e.value == LL.CKR_USER_NOT_LOGGED_IN, e
    ro = lib.openSession(0, PyKCS11.CKF_SERIAL_SESSION)
    try:
        ro.createObject(data_template("ro", b"4"))
        raise AssertionError("token object created in a R/O session")
    except PyKCS11.PyKCS11Error as e:
        assert e.value == LL.CKR_SESSION_READ_ONLY, e
    ro.closeSession()
    s.closeSession()


def test_find_by_label_index(tmp):
    """Objects with the same label, relabelled objects and destroyed objects all keep the
    label index exact."""
    env, _ = make_env(tmp)
    lib = load(env)
    init_token(lib)
    s = rw_session(lib)
    a = s.createObject(data_template("same", b"a", token=False))
    s.createObject(data_template("same", b"b", token=False))
    s.createObject(data_template("other", b"c"))
    assert len(s.findObjects([(PyKCS11.CKA_LABEL, "same")])) == 2
    s.setAttributeValue(a, [(PyKCS11.CKA_LABEL, "renamed")])
    assert len(s.findObjects([(PyKCS11.CKA_LABEL, "same")])) == 1
    assert len(s.findObjects([(PyKCS11.CKA_LABEL, "renamed")])) == 1
    s.destroyObject(a)
    assert len(s.findObjects([(PyKCS11.CKA_LABEL, "renamed")])) == 0
    assert len(s.findObjects([(PyKCS11.CKA_LABEL, "other")])) == 1
    s.logout()
    s.closeSession()


def test_pkcs11_tool_flow(tmp):
    env, _ = make_env(tmp)

    def tool(*args):
        r = subprocess.run(["pkcs11-tool", "--module", MODULE] + list(args), env=env,
                           capture_output=True)
        assert r.returncode == 0, r.stderr.decode() + r.stdout.decode()
        return r.stdout.decode(errors="replace")

    tool("--init-token", "--label", "tooltoken", "--so-pin", SO_PIN)
    tool("--login", "--login-type", "so", "--so-pin", SO_PIN, "--init-pin", "--pin", USER_PIN)
    data = os.path.join(tmp, "data.bin")
    with open(data, "wb") as f:
        f.write(b"pkcs11-tool data object")
    cert = os.path.join(tmp, "cert.der")
    key = os.path.join(tmp, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-outform", "DER",
                    "-out", cert, "-subj", "/CN=craton interop", "-days", "2"],
                   check=True, capture_output=True)
    tool("--login", "--pin", USER_PIN, "--write-object", data, "--type", "data", "--label", "d1")
    tool("--login", "--pin", USER_PIN, "--write-object", cert, "--type", "cert",
         "--label", "c1", "--id", "a1")
    listing = tool("--login", "--pin", USER_PIN, "--list-objects")
    assert "d1" in listing and "c1" in listing and "craton interop" in listing, listing
    assert tool("--read-object", "--type", "data", "--label", "d1") == "pkcs11-tool data object"
    got = os.path.join(tmp, "cert.out")
    tool("--read-object", "--type", "cert", "--id", "a1", "--output-file", got)
    assert open(got, "rb").read() == open(cert, "rb").read()
    tool("--login", "--pin", USER_PIN, "--delete-object", "--type", "data", "--label", "d1")
    tool("--login", "--pin", USER_PIN, "--delete-object", "--type", "cert", "--id", "a1")
    listing = tool("--login", "--pin", USER_PIN, "--list-objects")
    assert "d1" not in listing and "c1" not in listing, listing
    r = subprocess.run(["p11tool", "--provider", MODULE, "--list-tokens"], env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0 and "tooltoken" in r.stdout, r.stdout + r.stderr


def offered(lib, mech):
    """C_GetMechanismInfo answers for the mechanism `mech` (a CKM_ name: PyKCS11 looks the
    value up by name, and its list call chokes on types it has no name for)."""
    try:
        lib.getMechanismInfo(0, mech)
        return True
    except PyKCS11.PyKCS11Error as e:
        assert e.value == LL.CKR_MECHANISM_INVALID, e
        return False


def test_policy_switches(tmp):
    """[algorithms] allow_weak_rsa and [fips] approved_only change what the token accepts."""
    def keygen_1024(lib):
        s = rw_session(lib)
        pub = [(PyKCS11.CKA_TOKEN, False), (PyKCS11.CKA_MODULUS_BITS, 1024),
               (PyKCS11.CKA_VERIFY, True)]
        priv = [(PyKCS11.CKA_TOKEN, False), (PyKCS11.CKA_SIGN, True)]
        try:
            s.generateKeyPair(pub, priv, mecha=PyKCS11.MechanismRSAGENERATEKEYPAIR)
            return LL.CKR_OK
        except PyKCS11.PyKCS11Error as e:
            return e.value
        finally:
            s.logout()
            s.closeSession()

    env, _ = make_env(tmp)
    lib = load(env)
    init_token(lib)
    assert keygen_1024(lib) == LL.CKR_KEY_SIZE_RANGE, "RSA-1024 accepted by default"
    assert offered(lib, "CKM_RSA_X_509")
    lib = None
    with open(env["CRATON_HSM_CONFIG"], "a") as f:
        f.write("[algorithms]\nallow_weak_rsa = true\n[fips]\napproved_only = true\n")
    lib = load(env)
    assert keygen_1024(lib) == LL.CKR_OK, "allow_weak_rsa did not allow RSA-1024"
    assert not offered(lib, "CKM_RSA_X_509"), "approved_only still offers raw RSA"
    assert offered(lib, "CKM_SHA256_RSA_PKCS")


def main():
    if len(sys.argv) > 2 and sys.argv[2] == "--child":
        return child(sys.argv[3:])
    tests = [(n, f) for n, f in sorted(globals().items()) if n.startswith("test_")]
    passed = failed = 0
    for name, fn in tests:
        tmp = tempfile.mkdtemp(prefix="craton-token-")
        try:
            fn(tmp)
            print("ok - %s" % name)
            passed += 1
        except Exception:
            print("not ok - %s" % name)
            traceback.print_exc()
            failed += 1
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
