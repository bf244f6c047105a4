package io.portwatch.app.sink;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.DescribeTopicsResult;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Kafka producer's configuration and the checks made before sending. Settings come, each over the
 * one before: portwatch's safe defaults ({@link #DEFAULTS}), a Java properties file
 * ({@code --kafka-config}), single properties ({@code --kafka-property}), then the bootstrap servers
 * ({@code --kafka}); serializers are always portwatch's. TLS and SASL are configured as for any Kafka
 * client ({@code security.protocol}, {@code ssl.*}, {@code sasl.*}).
 *
 * <p>Secrets (values of password-type settings, {@code sasl.jaas.config} and the passwords inside it,
 * anything named like a password, secret, token or key) never appear in a message: {@link #mask} hides
 * them in any text built from Kafka's errors. Immutable.
 */
public final class KafkaSettings {

    /** portwatch's producer defaults: no loss and no duplicates across broker restarts. */
    public static final Map<String, String> DEFAULTS;

    static {
        Map<String, String> d = new LinkedHashMap<>();
        d.put(ProducerConfig.ACKS_CONFIG, "all");
        d.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        d.put(ProducerConfig.RETRIES_CONFIG, Integer.toString(Integer.MAX_VALUE));
        // one request at a time: with more, a broker back from a restart that refuses a batch (not yet the
        // leader) may take the next one first on a partition where it has no state of this producer, then
        // refuse the first for ever as out of sequence (KAFKA-14359): that batch is lost, the rest reordered
        d.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        // a batch that waits this long fails, and portwatch sends its records again with a new producer
        // (KafkaDelivery), which may duplicate a batch the broker had taken: so, in practice, never (24.8 days)
        d.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.toString(Integer.MAX_VALUE));
        d.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        d.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        // what waits while the broker is away (compressed batches); see also KafkaSink's record bound
        d.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(64L << 20));
        d.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "60000");
        // topics seldom written (flows of a quiet network) keep their metadata while the broker is away
        d.put(ProducerConfig.METADATA_MAX_IDLE_CONFIG, Long.toString(TimeUnit.DAYS.toMillis(1)));
        // and keep it while no broker answers: kafka-clients 4 "rebootstraps" then by default, forgetting
        // every topic's partitions, so that each send() blocks for max.block.ms instead of queueing
        d.put(CommonClientConfigs.METADATA_RECOVERY_STRATEGY_CONFIG, "none");
        d.put(CommonClientConfigs.CLIENT_ID_CONFIG, "portwatch");
        DEFAULTS = Collections.unmodifiableMap(d);
    }

    /** Records that may wait for the broker in a live run before new ones are dropped (and counted). */
    public static final int DEFAULT_MAX_PENDING = 100_000;

    private static final String HIDDEN = "[hidden]";
    private static final Pattern SECRET_NAME =
            Pattern.compile("password|secret|token|credential|jaas|\\.key$|keystore\\.key|private", Pattern.CASE_INSENSITIVE);
    private static final Pattern JAAS_OPTION = Pattern.compile("([A-Za-z0-9_.]+)\\s*=\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final Map<String, Object> config;
    private final KafkaTopics topics;
    private final Duration closeTimeout;
    private final Duration checkTimeout;
    private final List<String> secrets;

    private KafkaSettings(Map<String, Object> config, KafkaTopics topics, Duration closeTimeout,
                          Duration checkTimeout) {
        this.config = Collections.unmodifiableMap(config);
        this.topics = topics;
        this.closeTimeout = closeTimeout;
        this.checkTimeout = checkTimeout;
        this.secrets = secretsOf(config);
    }

    /**
     * Builds and validates the producer's configuration.
     *
     * @param bootstrap    {@code host:port[,host:port...]}
     * @param configFile   a Java properties file of producer settings, or null
     * @param properties   single settings, over the file's
     * @param topics       the topics
     * @param closeTimeout how long closing may wait for records still on their way
     * @param checkTimeout how long the checks at start may wait for the cluster
     * @throws IllegalArgumentException for a bad setting, or a file that cannot be read (the message
     *                                  names it, secrets hidden)
     */
    public static KafkaSettings of(String bootstrap, Path configFile, Map<String, String> properties,
                                   KafkaTopics topics, Duration closeTimeout, Duration checkTimeout) {
        if (bootstrap == null || bootstrap.isBlank()) {
            throw new IllegalArgumentException("the Kafka bootstrap servers are empty");
        }
        if (closeTimeout.isNegative() || checkTimeout.isNegative() || checkTimeout.isZero()) {
            throw new IllegalArgumentException("Kafka timeouts must be positive");
        }
        Map<String, Object> c = new LinkedHashMap<>(DEFAULTS);
        if (configFile != null) {
            Properties file = load(configFile);
            file.stringPropertyNames().stream().sorted().forEach(k -> c.put(k, file.getProperty(k).trim()));
        }
        c.putAll(properties);
        c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap.trim());
        c.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        c.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        KafkaSettings s = new KafkaSettings(c, topics, closeTimeout, checkTimeout);
        try {
            new ProducerConfig(c); // every value parsed and the idempotence rules checked, as the producer will
        } catch (KafkaException e) {
            throw new IllegalArgumentException("Kafka producer setting: " + s.mask(e.getMessage()));
        }
        return s;
    }

    /**
     * Kafka client settings from a Java properties file, as Kafka's own tools read them (ISO-8859-1 with
     * {@code \\u} escapes).
     *
     * @throws IllegalArgumentException naming the file when it is missing or cannot be read (never its values)
     */
    public static Properties load(Path configFile) {
        Properties file = new Properties();
        try (InputStream in = Files.newInputStream(configFile)) {
            file.load(in);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("Kafka configuration " + configFile + ": no such file");
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("Kafka configuration " + configFile + ": cannot be read ("
                    + e.getClass().getSimpleName() + ")");
        }
        return file;
    }

    /** The producer's configuration (secrets included: never print it). */
    public Map<String, Object> producerConfig() {
        return config;
    }

    public KafkaTopics topics() {
        return topics;
    }

    public Duration closeTimeout() {
        return closeTimeout;
    }

    /** The bootstrap servers, as given. */
    public String bootstrap() {
        return String.valueOf(config.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG));
    }

    /** Settings that are neither the producer's nor the admin client's: likely typing mistakes. */
    public List<String> unknownSettings() {
        List<String> l = new ArrayList<>();
        for (String k : config.keySet()) {
            if (!ProducerConfig.configNames().contains(k) && !AdminClientConfig.configNames().contains(k)) {
                l.add(k);
            }
        }
        return l;
    }

    /**
     * Settings that take away portwatch's guarantee across broker restarts (no record lost, none
     * duplicated, each key's in order), each in a line saying why.
     */
    public List<String> risks() {
        List<String> l = new ArrayList<>();
        Object inFlight = config.get(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION);
        if (inFlight != null && !String.valueOf(inFlight).trim().equals("1")) {
            l.add(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION + "=" + inFlight + ": a broker back from a "
                    + "restart can refuse a batch for ever as out of sequence (KAFKA-14359): its records lost, the "
                    + "partition's order broken (portwatch's default is 1)");
        }
        if (!"true".equalsIgnoreCase(String.valueOf(config.get(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG)).trim())) {
            l.add(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG + "=false: a batch retried after a broker restart may "
                    + "arrive twice");
        }
        return l;
    }

    /** Whether a setting's value is a secret. */
    static boolean isSecret(String name) {
        ConfigDef.ConfigKey key = ProducerConfig.configDef().configKeys().get(name);
        return (key != null && key.type == ConfigDef.Type.PASSWORD) || SECRET_NAME.matcher(name).find();
    }

    private static List<String> secretsOf(Map<String, Object> config) {
        Set<String> s = new LinkedHashSet<>();
        for (Map.Entry<String, Object> e : config.entrySet()) {
            if (!isSecret(e.getKey()) || e.getValue() == null) {
                continue;
            }
            String v = String.valueOf(e.getValue());
            if (!v.isEmpty()) {
                s.add(v);
                s.add(v.trim());
            }
            Matcher m = JAAS_OPTION.matcher(v);
            while (m.find()) {
                if (SECRET_NAME.matcher(m.group(1)).find()) {
                    if (!m.group(2).isEmpty()) {
                        s.add(m.group(2));
                    }
                }
            }
        }
        s.remove("");
        List<String> l = new ArrayList<>(s);
        l.sort(Comparator.comparingInt(String::length).reversed()); // longest first: whole values before parts
        return l;
    }

    /** {@code text} with every secret of the configuration replaced by {@code [hidden]}. */
    public String mask(String text) {
        if (text == null) {
            return null;
        }
        String t = text;
        for (String secret : secrets) {
            if (secret.length() >= 6) {
                t = t.replace(secret, HIDDEN);
            } else {
                // a short secret is hidden where it stands alone, not inside every word that contains it
                t = t.replaceAll("(?<![A-Za-z0-9])" + Pattern.quote(secret) + "(?![A-Za-z0-9])",
                        Matcher.quoteReplacement(HIDDEN));
            }
        }
        return t;
    }

    /** A short, masked account of an exception from a Kafka client, without stack trace. */
    String describe(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t
                && (t instanceof ExecutionException || t.getClass() == KafkaException.class)) {
            t = t.getCause(); // the wrappers say less than what they wrap
        }
        String m = t.getMessage();
        return mask(m == null || m.isBlank() ? t.getClass().getSimpleName() : m.strip().replace('\n', ' '));
    }

    /**
     * Checks, within the check timeout, that the cluster answers and that the topics exist (or that
     * the brokers create topics on first use).
     *
     * @param needed the topics that will be written
     * @throws OutputUnavailableException with a one-line message naming the servers or the topic
     */
    public void check(Collection<String> needed) {
        Map<String, Object> ac = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : config.entrySet()) {
            if (AdminClientConfig.configNames().contains(e.getKey())) {
                ac.put(e.getKey(), e.getValue());
            }
        }
        int ms = (int) Math.min(Integer.MAX_VALUE, checkTimeout.toMillis());
        ac.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, ms);
        ac.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, ms);
        ac.put(AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS_CONFIG, Math.min(ms, 10_000));
        ac.put(AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MS_CONFIG, Math.min(ms, 10_000));
        ac.put(AdminClientConfig.RETRIES_CONFIG, Integer.MAX_VALUE);
        ac.put(CommonClientConfigs.CLIENT_ID_CONFIG, config.get(CommonClientConfigs.CLIENT_ID_CONFIG) + "-check");
        String where = "Kafka at " + mask(bootstrap());
        Admin admin;
        try {
            admin = Admin.create(ac);
        } catch (KafkaException e) {
            throw new OutputUnavailableException("cannot reach " + where + ": " + describe(e));
        }
        try {
            DescribeClusterResult cluster = admin.describeCluster(new DescribeClusterOptions().timeoutMs(ms));
            Collection<Node> nodes = await(cluster.nodes(), ms, where, "no broker answered within "
                    + seconds(checkTimeout));
            DescribeTopicsResult described = admin.describeTopics(needed, new DescribeTopicsOptions().timeoutMs(ms));
            List<String> missing = new ArrayList<>();
            for (String topic : needed) {
                try {
                    described.topicNameValues().get(topic).get(ms, TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                        missing.add(topic);
                    } else if (e.getCause() instanceof AuthorizationException) {
                        throw new OutputUnavailableException(where + ": not authorized to use topic '" + topic + "'");
                    } else {
                        throw new OutputUnavailableException(where + ": cannot describe topic '" + topic + "': "
                                + describe(e));
                    }
                } catch (TimeoutException e) {
                    throw new OutputUnavailableException(where + ": no answer about topic '" + topic + "' within "
                            + seconds(checkTimeout));
                }
            }
            if (!missing.isEmpty()) {
                Boolean auto = autoCreate(admin, nodes, ms);
                if (!Boolean.TRUE.equals(auto)) {
                    throw new OutputUnavailableException("topic '" + missing.get(0) + "' does not exist on " + where
                            + (auto == null ? " (and the brokers' auto.create.topics.enable could not be read)"
                            : " and the brokers do not create topics (auto.create.topics.enable=false)")
                            + ": create it" + (missing.size() > 1 ? " (and " + String.join(", ",
                            missing.subList(1, missing.size())) + ")" : "") + ", or choose another topic");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OutputUnavailableException("interrupted while checking " + where);
        } finally {
            admin.close(Duration.ofSeconds(2));
        }
    }

    private <T> T await(org.apache.kafka.common.KafkaFuture<T> future, int ms, String where, String timeoutText)
            throws InterruptedException {
        try {
            return future.get(ms + 2_000L, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new OutputUnavailableException("cannot reach " + where + ": " + timeoutText);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof org.apache.kafka.common.errors.TimeoutException) {
                throw new OutputUnavailableException("cannot reach " + where + ": " + timeoutText);
            }
            if (c instanceof AuthenticationException) {
                throw new OutputUnavailableException(where + ": authentication failed: " + describe(c));
            }
            throw new OutputUnavailableException("cannot use " + where + ": " + describe(c));
        }
    }

    /** The brokers' auto.create.topics.enable, or null when it cannot be read (no permission). */
    private static Boolean autoCreate(Admin admin, Collection<Node> nodes, int ms) throws InterruptedException {
        if (nodes.isEmpty()) {
            return null;
        }
        ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, nodes.iterator().next().idString());
        try {
            Config c = admin.describeConfigs(List.of(broker), new DescribeConfigsOptions().timeoutMs(ms))
                    .all().get(ms + 2_000L, TimeUnit.MILLISECONDS).get(broker);
            ConfigEntry e = c == null ? null : c.get("auto.create.topics.enable");
            return e == null || e.value() == null ? null : Boolean.valueOf(e.value().trim().toLowerCase(Locale.ROOT));
        } catch (ExecutionException | TimeoutException e) {
            return null;
        }
    }

    private static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }

    /** A producer of this configuration. */
    public Producer<byte[], byte[]> newProducer() {
        try {
            return new KafkaProducer<>(new LinkedHashMap<>(config));
        } catch (KafkaException e) {
            throw new OutputUnavailableException("cannot start a Kafka producer for " + mask(bootstrap()) + ": "
                    + describe(e));
        }
    }
}
