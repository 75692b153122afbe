package io.lattice.api;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What this node's process uses, for the Status answer: CPU seconds since it started, resident
 * memory and live threads. Read when asked (a Status call), never cached; each figure is 0 where
 * the platform does not say (resident memory comes from {@code /proc/self/status} on Linux).
 */
final class ProcessUsage {
  private static final Path STATUS = Path.of("/proc/self/status");

  private ProcessUsage() {}

  /** CPU time of the process, all threads, in seconds; 0 if unknown. */
  static double cpuSeconds() {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      long nanos = sun.getProcessCpuTime();
      return nanos < 0 ? 0 : nanos / 1e9;
    }
    return 0;
  }

  /** Resident memory in bytes (VmRSS); 0 if unknown. */
  static long residentBytes() {
    return statusField("VmRSS:") * 1024; // the kernel writes it in kB
  }

  /** Live threads of the process; 0 if unknown. */
  static int threads() {
    long n = statusField("Threads:");
    return n > 0 ? (int) n : ManagementFactory.getThreadMXBean().getThreadCount();
  }

  /** The number after {@code name} in /proc/self/status; 0 if there is none. */
  private static long statusField(String name) {
    try {
      List<String> lines = Files.readAllLines(STATUS);
      for (String l : lines) {
        if (l.startsWith(name)) {
          String[] parts = l.substring(name.length()).trim().split("\\s+");
          return Long.parseLong(parts[0]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or no /proc: unknown
    }
    return 0;
  }
}
