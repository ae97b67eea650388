import type { Settings } from '../../config/settings.ts';
import { readPem } from '../../lib/kafka-client.ts';

/** A value for a Java properties file: backslashes and line breaks escaped (PEM and JAAS text go in one line). */
export const propertiesValue = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

const saslModule = { PLAIN: 'org.apache.kafka.common.security.plain.PlainLoginModule' } as const;

/**
 * The Java client settings (security.protocol, sasl.*, ssl.*) that mirror cqrsctl's Kafka settings, for a
 * Connect worker: once for the worker itself and once each for the producers, consumers and admin clients
 * it makes for connectors. Empty for PLAINTEXT.
 */
export function kafkaClientProperties(s: Settings): string[] {
  const protocol = s.kafkaSecurityProtocol;
  if (protocol === 'PLAINTEXT') return [];
  const props: [string, string][] = [['security.protocol', protocol]];
  if (protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL') {
    const module = s.kafkaSaslMechanism === 'PLAIN' ? saslModule.PLAIN : 'org.apache.kafka.common.security.scram.ScramLoginModule';
    props.push(
      ['sasl.mechanism', s.kafkaSaslMechanism],
      ['sasl.jaas.config', `${module} required username=${JSON.stringify(s.kafkaUser)} password=${JSON.stringify(s.kafkaPassword)};`],
    );
  }
  if (protocol === 'SSL' || protocol === 'SASL_SSL') {
    if (s.kafkaCaFile) props.push(['ssl.truststore.type', 'PEM'], ['ssl.truststore.certificates', readPem(s.kafkaCaFile, 'kafkaCaFile')]);
    if (s.kafkaCertFile && s.kafkaKeyFile) {
      props.push(
        ['ssl.keystore.type', 'PEM'],
        ['ssl.keystore.certificate.chain', readPem(s.kafkaCertFile, 'kafkaCertFile')],
        ['ssl.keystore.key', readPem(s.kafkaKeyFile, 'kafkaKeyFile')],
      );
    }
  }
  return ['', 'producer.', 'consumer.', 'admin.'].flatMap((prefix) => props.map(([k, v]) => `${prefix}${k}=${propertiesValue(v)}`));
}
