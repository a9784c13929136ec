package io.onceflow.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.junit.jupiter.api.Test;

/** Secrets are decided by the Kafka clients' own config definitions, and never printed. */
class ClientPropertiesTest {

    @Test
    void everyPasswordKeyOfTheClientsInUseIsHidden() {
        List<String> passwords = new ArrayList<>();
        for (ConfigDef definition :
                List.of(ProducerConfig.configDef(), ConsumerConfig.configDef(), AdminClientConfig.configDef())) {
            definition.configKeys().forEach((key, config) -> {
                if (config.type == ConfigDef.Type.PASSWORD) {
                    passwords.add(key);
                }
            });
        }
        assertThat(passwords)
                .as("the password keys of kafka-clients")
                .contains(
                        "sasl.jaas.config",
                        "ssl.key.password",
                        "ssl.keystore.password",
                        "ssl.truststore.password",
                        "sasl.oauthbearer.assertion.private.key.passphrase");
        Map<String, String> secrets = new LinkedHashMap<>();
        passwords.forEach(key -> secrets.put(key, "hunter2-" + key));
        assertThat(ClientProperties.redacted(secrets))
                .allSatisfy((key, shown) -> assertThat(shown).as(key).isEqualTo(ClientProperties.REDACTED));
    }

    @Test
    void aKeyTheClientsDoNotDefineIsHiddenAndADefinedPlainOneShown() {
        Map<String, String> shown = ClientProperties.redacted(Map.of(
                "basic.auth.user.info", "user:secret", // a schema registry's: nothing says whether it is secret
                "linger.ms", "20",
                "security.protocol", "SASL_SSL"));
        assertThat(shown)
                .containsEntry("basic.auth.user.info", ClientProperties.REDACTED)
                .containsEntry("linger.ms", "20")
                .containsEntry("security.protocol", "SASL_SSL");
    }
}
