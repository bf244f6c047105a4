package io.portwatch.fleet;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates the topics the fleet job reads and writes when they are missing, with the broker's default
 * partitions and replication: Kafka Streams creates its own internal topics but not these, and stops when
 * a topic it reads does not exist (the sensors may start after the fleet). The fleet services topic is
 * compacted: it is an inventory, one entry per service. Existing topics are left as they are.
 */
final class FleetTopics {

    private FleetTopics() {
    }

    /** The topics created (those that were missing). */
    static List<String> ensure(Admin admin, FleetConfig cfg, Duration timeout) {
        Set<String> wanted = new LinkedHashSet<>(List.of(cfg.portsTopic(), cfg.alertsTopic(), cfg.fleetPortsTopic(),
                cfg.fleetServicesTopic(), cfg.fleetAlertsTopic()));
        try {
            Set<String> existing = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (String t : wanted) {
                if (!existing.contains(t)) {
                    NewTopic nt = new NewTopic(t, Optional.empty(), Optional.empty());
                    if (t.equals(cfg.fleetServicesTopic())) {
                        nt.configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
                    }
                    missing.add(nt);
                }
            }
            List<String> created = new ArrayList<>();
            for (Map.Entry<String, org.apache.kafka.common.KafkaFuture<Void>> e
                    : admin.createTopics(missing).values().entrySet()) {
                try {
                    e.getValue().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                    created.add(e.getKey());
                } catch (ExecutionException ex) {
                    if (!(ex.getCause() instanceof TopicExistsException)) {
                        throw ex; // another instance made it meanwhile: fine; anything else is not
                    }
                }
            }
            return created;
        } catch (ExecutionException e) {
            throw new KafkaException("cannot create the fleet's topics: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new KafkaException("cannot create the fleet's topics: no answer from Kafka within " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while creating the fleet's topics", e);
        }
    }
}
