package dev.flinkalbert.serde;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Self-signed certificates for a registry on 127.0.0.1 and for a client, made with the JDK's {@code keytool}
 * when the test runs (nothing secret is committed), and trust stores holding them.
 */
final class TestTls {
    static final String PASSWORD = "changeit";

    final Path serverKeystore;
    final Path clientKeystore;
    /** Trusts the server's certificate: the client's trust store. */
    final Path serverTruststore;
    /** Trusts the client's certificate: the server's trust store for mutual TLS. */
    final Path clientTruststore;

    private TestTls(Path dir) {
        serverKeystore = dir.resolve("registry.p12");
        clientKeystore = dir.resolve("client.p12");
        serverTruststore = dir.resolve("trusts-registry.p12");
        clientTruststore = dir.resolve("trusts-client.p12");
    }

    static TestTls create(Path dir) throws IOException, InterruptedException, GeneralSecurityException {
        TestTls tls = new TestTls(dir);
        tls.keyPair(tls.serverKeystore, "registry", "CN=127.0.0.1", "SAN=ip:127.0.0.1");
        tls.keyPair(tls.clientKeystore, "client", "CN=flink-albert-test", null);
        trust(tls.serverKeystore, "registry", tls.serverTruststore);
        trust(tls.clientKeystore, "client", tls.clientTruststore);
        return tls;
    }

    /** The registry's side: its certificate, and trust in the client's for mutual TLS. */
    SSLContext serverContext() throws IOException, GeneralSecurityException {
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(load(serverKeystore), PASSWORD.toCharArray());
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(load(clientTruststore));
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
        return context;
    }

    private static KeyStore load(Path path) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(path)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, PASSWORD.toCharArray());
            return store;
        }
    }

    private void keyPair(Path keystore, String alias, String dname, String extension)
            throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname",
                "secp256r1", "-dname", dname, "-validity", "2", "-keystore", keystore.toString(), "-storetype",
                "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD));
        if (extension != null) {
            args.addAll(List.of("-ext", extension));
        }
        keytool(args);
    }

    /** A trust store holding the certificate of {@code keystore}'s key {@code alias}. */
    private static void trust(Path keystore, String alias, Path truststore)
            throws IOException, GeneralSecurityException {
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry(alias, load(keystore).getCertificate(alias));
        try (OutputStream out = Files.newOutputStream(truststore)) {
            trusted.store(out, PASSWORD.toCharArray());
        }
    }

    private static void keytool(List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(args);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("keytool " + args + " failed: " + new String(output));
        }
    }
}
