package io.github.flinkscale.realstack.testjob;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The test job's arguments: "--name value" pairs (a name may repeat only where
 * documented). Unknown names are an error, so a typo never goes unnoticed.
 */
final class Params {
    private final Map<String, String> values = new HashMap<>();
    private final Map<String, String> flinkConf = new LinkedHashMap<>();

    private static final List<String> KNOWN = Arrays.asList(
            "rest-address", "rest-port", "jar",
            "bootstrap-servers", "in", "out", "groups", "job-name",
            "cost-us", "parallelism", "max-parallelism", "slot-sharing-groups",
            "checkpoint-interval-ms", "exactly-once", "chaining",
            "transaction-timeout-ms", "discovery-interval-ms", "txn-prefix", "conf");

    Params(String[] args) {
        if (args.length % 2 != 0) {
            throw new IllegalArgumentException("arguments come in --name value pairs: " + Arrays.toString(args));
        }
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --name, got " + args[i]);
            }
            String name = args[i].substring(2);
            if (!KNOWN.contains(name)) {
                throw new IllegalArgumentException("unknown argument --" + name + "; known: " + KNOWN);
            }
            if (name.equals("conf")) { // --conf key=value, repeatable
                String kv = args[i + 1];
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("--conf wants key=value, got " + kv);
                }
                flinkConf.put(kv.substring(0, eq), kv.substring(eq + 1));
                continue;
            }
            values.put(name, args[i + 1]);
        }
    }

    String get(String name, String def) {
        return values.getOrDefault(name, def);
    }

    String required(String name) {
        String v = values.get(name);
        if (v == null || v.isEmpty()) {
            throw new IllegalArgumentException("missing --" + name);
        }
        return v;
    }

    int getInt(String name, int def) {
        String v = values.get(name);
        return v == null ? def : Integer.parseInt(v);
    }

    long getLong(String name, long def) {
        String v = values.get(name);
        return v == null ? def : Long.parseLong(v);
    }

    boolean getBool(String name, boolean def) {
        String v = values.get(name);
        return v == null ? def : Boolean.parseBoolean(v);
    }

    /** A comma-separated list; empty when absent. */
    List<String> list(String name) {
        String v = values.get(name);
        List<String> out = new ArrayList<>();
        if (v == null || v.isEmpty()) {
            return out;
        }
        for (String s : v.split(",")) {
            out.add(s.trim());
        }
        return out;
    }

    /** The --conf key=value pairs, in order. */
    Map<String, String> flinkConf() {
        return flinkConf;
    }
}
