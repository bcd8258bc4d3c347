/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Java SunPKCS11 against libcraton_hsm.so (interop test, run by tests/interop/test_java.sh as a
 * single-file source program: `java CratonInterop.java CONFIG PIN`). Each step prints one
 * "ok"/"FAIL" line; the exit status is the number of failures (capped at 100). It only uses the
 * public JCA API, as an application would; the token was initialised by the shell script.
 */
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.*;
import java.security.cert.Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.*;
import java.util.*;
import javax.crypto.*;
import javax.crypto.spec.*;

public class CratonInterop {
    private static int failures = 0;
    private static Provider p11;

    interface Step {
        void run() throws Exception;
    }

    private static void step(String what, Step s) {
        try {
            s.run();
            System.out.println("ok   " + what);
        } catch (Throwable t) {
            failures++;
            System.out.println("FAIL " + what + ": " + t);
            for (Throwable c = t.getCause(); c != null; c = c.getCause())
                System.out.println("     caused by " + c);
        }
    }

    private static void require(boolean cond, String why) {
        if (!cond)
            throw new IllegalStateException(why);
    }

    /* A provider's public key turned into the default provider's own key object. */
    private static PublicKey export(PublicKey k, String alg, String prov) throws Exception {
        require("X.509".equals(k.getFormat()), "public key format " + k.getFormat());
        return KeyFactory.getInstance(alg, prov).generatePublic(new X509EncodedKeySpec(k.getEncoded()));
    }

    private static byte[] sign(String alg, Provider prov, AlgorithmParameterSpec spec, PrivateKey k,
                               byte[] msg) throws Exception {
        Signature s = Signature.getInstance(alg, prov);
        if (spec != null)
            s.setParameter(spec);
        s.initSign(k);
        s.update(msg);
        return s.sign();
    }

    private static boolean verify(String alg, Provider prov, AlgorithmParameterSpec spec, PublicKey k,
                                  byte[] msg, byte[] sig) throws Exception {
        Signature s = Signature.getInstance(alg, prov);
        if (spec != null)
            s.setParameter(spec);
        s.initVerify(k);
        s.update(msg);
        try {
            return s.verify(sig);
        } catch (SignatureException e) {
            return false; /* a malformed signature is a rejection too */
        }
    }

    /*
     * Token signs, default provider verifies (and rejects a changed message and a changed
     * signature); default provider signs, token verifies (and rejects a changed message).
     */
    private static void signBothWays(String name, String alg, AlgorithmParameterSpec spec,
                                     KeyPair token, KeyPair soft, String keyAlg, String softProv)
            throws Exception {
        byte[] msg = ("Craton HSM interop: " + name + " " + System.nanoTime()).getBytes(StandardCharsets.UTF_8);
        byte[] bad = msg.clone();
        bad[0] ^= 1;
        Provider sp = Security.getProvider(softProv);
        PublicKey exported = export(token.getPublic(), keyAlg, softProv);

        step(name + ": token signs, " + softProv + " verifies", () -> {
            byte[] sig = sign(alg, p11, spec, token.getPrivate(), msg);
            require(verify(alg, sp, spec, exported, msg, sig), "valid signature rejected");
            require(!verify(alg, sp, spec, exported, bad, sig), "changed message accepted");
            byte[] bsig = sig.clone();
            bsig[bsig.length - 1] ^= 1;
            require(!verify(alg, sp, spec, exported, msg, bsig), "changed signature accepted");
            require(verify(alg, p11, spec, token.getPublic(), msg, sig), "token rejects its own signature");
        });
        step(name + ": " + softProv + " signs, token verifies", () -> {
            byte[] sig = sign(alg, sp, spec, soft.getPrivate(), msg);
            require(verify(alg, p11, spec, soft.getPublic(), msg, sig), "valid signature rejected");
            require(!verify(alg, p11, spec, soft.getPublic(), bad, sig), "changed message accepted");
        });
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b)
            sb.append(String.format("%02x", x));
        return sb.toString();
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: java CratonInterop.java SUNPKCS11_CONFIG PIN");
            System.exit(2);
        }
        char[] pin = args[1].toCharArray();
        p11 = Security.getProvider("SunPKCS11").configure(args[0]);
        Security.addProvider(p11);
        System.out.println("# provider " + p11.getName() + ": " + p11.getInfo());

        /* Keyless operations first: with its default explicitCancel = true, JDK 17 closes the
         * session a finished digest used; when that was the last open session the token logs
         * the application out (PKCS#11 3.0 5.6 C_CloseSession; SoftHSMv2 does the same), and
         * SunPKCS11 does not log in again for KeyPairGenerator. See docs/INTEROP.md. */
        step("SecureRandom(PKCS11) from the token", () -> {
            SecureRandom r = SecureRandom.getInstance("PKCS11", p11);
            byte[] a = new byte[32], b = new byte[32];
            r.nextBytes(a);
            r.nextBytes(b);
            require(!Arrays.equals(a, b), "two 32-byte draws are equal");
            require(!Arrays.equals(a, new byte[32]), "all-zero output");
        });
        step("MessageDigest SHA-256 via the token = SUN", () -> {
            MessageDigest md = MessageDigest.getInstance("SHA-256", p11);
            require(md.getProvider() == p11, "digest not from the token");
            byte[] data = new byte[100000];
            new Random(7).nextBytes(data);
            md.update(data, 0, 12345);
            md.update(data, 12345, data.length - 12345);
            byte[] mine = md.digest();
            byte[] ref = MessageDigest.getInstance("SHA-256", "SUN").digest(data);
            require(Arrays.equals(mine, ref), "digest differs: " + hex(mine));
            /* FIPS 180-4 example "abc" */
            require(hex(md.digest("abc".getBytes(StandardCharsets.US_ASCII))).equals(
                    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), "SHA-256(abc)");
        });

        KeyStore ks = KeyStore.getInstance("PKCS11", p11);
        step("KeyStore.load refuses a wrong PIN", () -> {
            try {
                ks.load(null, "wrong-pin-0000".toCharArray());
            } catch (java.io.IOException e) {
                for (Throwable c = e; c != null; c = c.getCause())
                    if (String.valueOf(c).contains("CKR_PIN_INCORRECT"))
                        return;
                throw new IllegalStateException("no CKR_PIN_INCORRECT in the causes of " + e);
            }
            throw new IllegalStateException("wrong PIN accepted");
        });
        step("KeyStore.load logs in with the PIN", () -> ks.load(null, pin));

        /* Objects put on the token by the shell script: an RSA key + certificate (same CKA_ID)
         * and an AES key labelled "aes-token". */
        step("KeyStore lists the token's key + certificate and secret key", () -> {
            List<String> aliases = Collections.list(ks.aliases());
            System.out.println("     aliases: " + aliases);
            require(aliases.contains("java-rsa"), "alias java-rsa missing");
            require(ks.isKeyEntry("java-rsa"), "java-rsa is not a key entry");
            require(ks.getCertificate("java-rsa") instanceof X509Certificate, "java-rsa has no certificate");
            require(aliases.contains("aes-token"), "alias aes-token missing");
            require(ks.isKeyEntry("aes-token"), "aes-token is not a key entry");
        });
        step("KeyStore private key signs; the certificate's public key verifies", () -> {
            PrivateKey priv = (PrivateKey) ks.getKey("java-rsa", null);
            Certificate cert = ks.getCertificate("java-rsa");
            byte[] msg = "signed with the KeyStore's key".getBytes(StandardCharsets.UTF_8);
            byte[] sig = sign("SHA256withRSA", p11, null, priv, msg);
            require(verify("SHA256withRSA", Security.getProvider("SunRsaSign"), null, cert.getPublicKey(), msg, sig),
                    "signature rejected");
        });

        KeyPair ecTok = null, rsaTok = null;
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC", p11);
            g.initialize(new ECGenParameterSpec("secp256r1"));
            ecTok = g.generateKeyPair();
            System.out.println("ok   KeyPairGenerator EC P-256 on the token");
        } catch (Exception e) {
            failures++;
            System.out.println("FAIL KeyPairGenerator EC P-256 on the token: " + e);
        }
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA", p11);
            g.initialize(new RSAKeyGenParameterSpec(2048, RSAKeyGenParameterSpec.F4));
            rsaTok = g.generateKeyPair();
            System.out.println("ok   KeyPairGenerator RSA-2048 on the token");
        } catch (Exception e) {
            failures++;
            System.out.println("FAIL KeyPairGenerator RSA-2048 on the token: " + e);
        }
        KeyPairGenerator sg = KeyPairGenerator.getInstance("EC", "SunEC");
        sg.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair ecSoft = sg.generateKeyPair();
        KeyPairGenerator rg = KeyPairGenerator.getInstance("RSA", "SunRsaSign");
        rg.initialize(2048);
        KeyPair rsaSoft = rg.generateKeyPair();

        if (ecTok != null) {
            final KeyPair ec = ecTok;
            step("EC public key exported to SunEC keeps the curve and point", () -> {
                ECPublicKey pub = (ECPublicKey) export(ec.getPublic(), "EC", "SunEC");
                require(pub.getParams().getCurve().getField().getFieldSize() == 256, "not a 256-bit curve");
                require(pub.getW().equals(((ECPublicKey) ec.getPublic()).getW()), "point differs");
            });
            signBothWays("SHA256withECDSA", "SHA256withECDSA", null, ecTok, ecSoft, "EC", "SunEC");
            signBothWays("SHA384withECDSA", "SHA384withECDSA", null, ecTok, ecSoft, "EC", "SunEC");
            step("ECDH: token with a SunEC peer = SunEC with the token's public key", () -> {
                KeyAgreement ka = KeyAgreement.getInstance("ECDH", p11);
                ka.init(ec.getPrivate());
                ka.doPhase(ecSoft.getPublic(), true);
                byte[] mine = ka.generateSecret();
                KeyAgreement kb = KeyAgreement.getInstance("ECDH", "SunEC");
                kb.init(ecSoft.getPrivate());
                kb.doPhase(export(ec.getPublic(), "EC", "SunEC"), true);
                byte[] theirs = kb.generateSecret();
                require(mine.length == 32 && Arrays.equals(mine, theirs), "shared secrets differ");
            });
        }
        if (rsaTok != null) {
            final KeyPair rsa = rsaTok;
            step("RSA public key exported to SunRsaSign keeps n and e", () -> {
                RSAPublicKey pub = (RSAPublicKey) export(rsa.getPublic(), "RSA", "SunRsaSign");
                require(pub.getModulus().bitLength() == 2048, "modulus is not 2048 bits");
                require(pub.getPublicExponent().equals(BigInteger.valueOf(65537)), "e != 65537");
            });
            signBothWays("SHA256withRSA", "SHA256withRSA", null, rsaTok, rsaSoft, "RSA", "SunRsaSign");
            PSSParameterSpec pss = new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1);
            signBothWays("RSASSA-PSS (SHA-256, MGF1-SHA-256, salt 32)", "RSASSA-PSS", pss, rsaTok, rsaSoft,
                    "RSA", "SunRsaSign");
            step("RSA/ECB/PKCS1Padding: SunJCE encrypts to the exported key, token decrypts", () -> {
                Cipher enc = Cipher.getInstance("RSA/ECB/PKCS1Padding", "SunJCE");
                enc.init(Cipher.ENCRYPT_MODE, export(rsa.getPublic(), "RSA", "SunRsaSign"));
                byte[] secret = "a key to transport".getBytes(StandardCharsets.UTF_8);
                byte[] ct = enc.doFinal(secret);
                Cipher dec = Cipher.getInstance("RSA/ECB/PKCS1Padding", p11);
                dec.init(Cipher.DECRYPT_MODE, rsa.getPrivate());
                require(Arrays.equals(dec.doFinal(ct), secret), "decryption differs");
            });
        }

        /* AES through the token: a raw key given to the provider (made a session object),
         * checked against SunJCE with the same key, and a key generated on the token. */
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        SecretKey softKey = new SecretKeySpec(raw, "AES");
        byte[] plain = new byte[1000 + 7];
        new Random(11).nextBytes(plain);
        step("Cipher AES/CBC/PKCS5Padding: token = SunJCE both ways", () -> {
            IvParameterSpec iv = new IvParameterSpec(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
            Cipher t = Cipher.getInstance("AES/CBC/PKCS5Padding", p11);
            require(t.getProvider() == p11, "cipher not from the token");
            t.init(Cipher.ENCRYPT_MODE, softKey, iv);
            byte[] part = t.update(plain, 0, 333);
            byte[] rest = t.doFinal(plain, 333, plain.length - 333);
            byte[] ct = new byte[(part == null ? 0 : part.length) + rest.length];
            if (part != null)
                System.arraycopy(part, 0, ct, 0, part.length);
            System.arraycopy(rest, 0, ct, ct.length - rest.length, rest.length);
            Cipher s = Cipher.getInstance("AES/CBC/PKCS5Padding", "SunJCE");
            s.init(Cipher.ENCRYPT_MODE, softKey, iv);
            require(Arrays.equals(ct, s.doFinal(plain)), "ciphertext differs from SunJCE");
            t.init(Cipher.DECRYPT_MODE, softKey, iv);
            require(Arrays.equals(t.doFinal(ct), plain), "token decryption differs");
            byte[] bad = ct.clone();
            bad[bad.length - 1] ^= (byte) 0x5a; /* the last block's padding no longer decodes */
            t.init(Cipher.DECRYPT_MODE, softKey, iv);
            try {
                byte[] out = t.doFinal(bad);
                require(!Arrays.equals(out, plain), "changed ciphertext decrypted to the plaintext");
            } catch (BadPaddingException | IllegalBlockSizeException e) {
                /* expected for most changes */
            } catch (ProviderException e) {
                /* JDK 17 quirk: with the token's CKM_AES_CBC_PAD a padding error comes back as
                 * ProviderException(CKR_ENCRYPTED_DATA_INVALID), not BadPaddingException */
                require(String.valueOf(e.getCause()).contains("CKR_ENCRYPTED_DATA_INVALID"), "cause " + e.getCause());
            }
        });
        step("Cipher AES/GCM/NoPadding with AAD: token = SunJCE, tag checked", () -> {
            byte[] nonce = new byte[12];
            new SecureRandom().nextBytes(nonce);
            GCMParameterSpec gp = new GCMParameterSpec(128, nonce);
            byte[] aad = "header".getBytes(StandardCharsets.UTF_8);
            Cipher t = Cipher.getInstance("AES/GCM/NoPadding", p11);
            require(t.getProvider() == p11, "cipher not from the token");
            t.init(Cipher.ENCRYPT_MODE, softKey, gp);
            t.updateAAD(aad);
            byte[] ct = t.doFinal(plain);
            Cipher s = Cipher.getInstance("AES/GCM/NoPadding", "SunJCE");
            s.init(Cipher.DECRYPT_MODE, softKey, gp);
            s.updateAAD(aad);
            require(Arrays.equals(s.doFinal(ct), plain), "SunJCE decryption differs");
            /* SunJCE encrypts under a fresh nonce, the token decrypts */
            byte[] n2 = nonce.clone();
            n2[0] ^= 1;
            GCMParameterSpec gp2 = new GCMParameterSpec(128, n2);
            s.init(Cipher.ENCRYPT_MODE, softKey, gp2);
            s.updateAAD(aad);
            byte[] ct2 = s.doFinal(plain);
            t.init(Cipher.DECRYPT_MODE, softKey, gp2);
            t.updateAAD(aad);
            require(Arrays.equals(t.doFinal(ct2), plain), "token decryption differs");
            byte[] bad = ct2.clone();
            bad[5] ^= 1;
            /* SunPKCS11 refuses re-initialising GCM encryption with a used key+IV; decrypt is fine */
            t.init(Cipher.DECRYPT_MODE, softKey, gp2);
            t.updateAAD(aad);
            try {
                t.doFinal(bad);
                throw new IllegalStateException("changed ciphertext accepted");
            } catch (AEADBadTagException e) {
                /* expected */
            }
        });
        step("Cipher AES/CTR/NoPadding: token = SunJCE", () -> {
            IvParameterSpec iv = new IvParameterSpec(new byte[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15});
            Cipher t = Cipher.getInstance("AES/CTR/NoPadding", p11);
            t.init(Cipher.ENCRYPT_MODE, softKey, iv);
            Cipher s = Cipher.getInstance("AES/CTR/NoPadding", "SunJCE");
            s.init(Cipher.ENCRYPT_MODE, softKey, iv);
            require(Arrays.equals(t.doFinal(plain), s.doFinal(plain)), "ciphertext differs from SunJCE");
        });
        step("Mac HmacSHA256 via the token = SunJCE (and a changed key differs)", () -> {
            byte[] hk = Arrays.copyOf(raw, 32);
            Mac t = Mac.getInstance("HmacSHA256", p11);
            require(t.getProvider() == p11, "mac not from the token");
            t.init(new SecretKeySpec(hk, "HmacSHA256"));
            t.update(plain, 0, 100);
            t.update(plain, 100, plain.length - 100);
            byte[] mine = t.doFinal();
            Mac s = Mac.getInstance("HmacSHA256", "SunJCE");
            s.init(new SecretKeySpec(hk, "HmacSHA256"));
            require(Arrays.equals(mine, s.doFinal(plain)), "HMAC differs from SunJCE");
            hk[0] ^= 1;
            t.init(new SecretKeySpec(hk, "HmacSHA256"));
            require(!Arrays.equals(mine, t.doFinal(plain)), "changed key gives the same HMAC");
        });
        step("KeyGenerator AES-256 on the token, CBC round trip", () -> {
            KeyGenerator kg = KeyGenerator.getInstance("AES", p11);
            kg.init(256);
            SecretKey k = kg.generateKey();
            Cipher t = Cipher.getInstance("AES/CBC/PKCS5Padding", p11);
            t.init(Cipher.ENCRYPT_MODE, k);
            byte[] iv = t.getIV();
            byte[] ct = t.doFinal(plain);
            require(!Arrays.equals(Arrays.copyOf(ct, plain.length), plain), "ciphertext equals plaintext");
            t.init(Cipher.DECRYPT_MODE, k, new IvParameterSpec(iv));
            require(Arrays.equals(t.doFinal(ct), plain), "round trip differs");
        });
        step("KeyStore token AES key (made by pkcs11-tool) encrypts; GCM round trip", () -> {
            SecretKey k = (SecretKey) ks.getKey("aes-token", null);
            require(k != null, "no key");
            Cipher t = Cipher.getInstance("AES/GCM/NoPadding", p11);
            byte[] nonce = new byte[12];
            new SecureRandom().nextBytes(nonce);
            t.init(Cipher.ENCRYPT_MODE, k, new GCMParameterSpec(128, nonce));
            byte[] ct = t.doFinal(plain);
            t.init(Cipher.DECRYPT_MODE, k, new GCMParameterSpec(128, nonce));
            require(Arrays.equals(t.doFinal(ct), plain), "round trip differs");
        });
        step("KeyStore.setEntry stores an AES key on the token; it is listed and usable", () -> {
            /* A SecretKeySpec that SunPKCS11 already turned into a session object (softKey, used
             * above) is cached: setEntry would then store nothing (JDK 17 quirk), so a new one. */
            ks.setEntry("java-stored", new KeyStore.SecretKeyEntry(new SecretKeySpec(raw.clone(), "AES")), null);
            require(Collections.list(ks.aliases()).contains("java-stored"), "stored alias not listed");
            SecretKey k = (SecretKey) ks.getKey("java-stored", null);
            Cipher t = Cipher.getInstance("AES/ECB/NoPadding", p11);
            t.init(Cipher.ENCRYPT_MODE, k);
            Cipher s = Cipher.getInstance("AES/ECB/NoPadding", "SunJCE");
            s.init(Cipher.ENCRYPT_MODE, softKey);
            byte[] block = Arrays.copyOf(plain, 32);
            require(Arrays.equals(t.doFinal(block), s.doFinal(block)), "stored key encrypts differently");
            ks.deleteEntry("java-stored");
            require(!ks.containsAlias("java-stored"), "deleted alias still listed");
        });

        System.out.println(failures == 0 ? "# all Java SunPKCS11 steps passed" : "# " + failures + " step(s) failed");
        System.exit(Math.min(failures, 100));
    }
}
