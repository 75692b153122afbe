package io.lattice.proto;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.DescriptorProtos.SourceCodeInfo.Location;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The .proto files are the API reference: every service, RPC, message, field, oneof, enum and enum
 * value must have a comment. Reads the descriptor set (with source info) that the build writes to
 * target/proto-descriptors.
 */
class ProtoDocumentationTest {
  // Field numbers in descriptor.proto, which SourceCodeInfo paths are made of.
  private static final int FILE_MESSAGE = 4;
  private static final int FILE_ENUM = 5;
  private static final int FILE_SERVICE = 6;
  private static final int MESSAGE_FIELD = 2;
  private static final int MESSAGE_NESTED = 3;
  private static final int MESSAGE_ENUM = 4;
  private static final int MESSAGE_ONEOF = 8;
  private static final int ENUM_VALUE = 2;
  private static final int SERVICE_METHOD = 2;

  private static final Path DESCRIPTOR_SET =
      Path.of(
          System.getProperty("lattice.proto.descriptorSet", "target/proto-descriptors/lattice-api.protobin"));

  @Test
  void everyElementIsDocumented() throws IOException {
    FileDescriptorSet set;
    try (InputStream in = Files.newInputStream(DESCRIPTOR_SET)) {
      set = FileDescriptorSet.parseFrom(in);
    }
    List<String> undocumented = new ArrayList<>();
    int files = 0;
    for (FileDescriptorProto file : set.getFileList()) {
      if (!file.getPackage().equals("lattice.v1")) {
        continue;
      }
      files++;
      assertThat(file.hasSourceCodeInfo()).as("source info in %s", file.getName()).isTrue();
      Set<List<Integer>> documented = new HashSet<>();
      for (Location loc : file.getSourceCodeInfo().getLocationList()) {
        if (!loc.getLeadingComments().isBlank() || !loc.getTrailingComments().isBlank()) {
          documented.add(loc.getPathList());
        }
      }
      Checker c = new Checker(file.getName(), documented, undocumented);
      for (int i = 0; i < file.getMessageTypeCount(); i++) {
        c.message(file.getMessageType(i), "lattice.v1", List.of(FILE_MESSAGE, i));
      }
      for (int i = 0; i < file.getEnumTypeCount(); i++) {
        c.enumType(file.getEnumType(i), "lattice.v1", List.of(FILE_ENUM, i));
      }
      for (int i = 0; i < file.getServiceCount(); i++) {
        c.service(file.getService(i), List.of(FILE_SERVICE, i));
      }
    }
    assertThat(files).as("lattice.v1 files in %s", DESCRIPTOR_SET).isGreaterThanOrEqualTo(5);
    assertThat(undocumented).as("elements without a comment").isEmpty();
  }

  private record Checker(String file, Set<List<Integer>> documented, List<String> undocumented) {
    private void require(List<Integer> path, String what) {
      if (!documented.contains(path)) {
        undocumented.add(file + ": " + what);
      }
    }

    private static List<Integer> child(List<Integer> path, int... more) {
      List<Integer> p = new ArrayList<>(path);
      for (int m : more) {
        p.add(m);
      }
      return p;
    }

    void message(DescriptorProto m, String scope, List<Integer> path) {
      String name = scope + "." + m.getName();
      require(path, "message " + name);
      for (int i = 0; i < m.getFieldCount(); i++) {
        require(child(path, MESSAGE_FIELD, i), "field " + name + "." + m.getField(i).getName());
      }
      for (int i = 0; i < m.getOneofDeclCount(); i++) {
        require(child(path, MESSAGE_ONEOF, i), "oneof " + name + "." + m.getOneofDecl(i).getName());
      }
      for (int i = 0; i < m.getNestedTypeCount(); i++) {
        message(m.getNestedType(i), name, child(path, MESSAGE_NESTED, i));
      }
      for (int i = 0; i < m.getEnumTypeCount(); i++) {
        enumType(m.getEnumType(i), name, child(path, MESSAGE_ENUM, i));
      }
    }

    void enumType(EnumDescriptorProto e, String scope, List<Integer> path) {
      String name = scope + "." + e.getName();
      require(path, "enum " + name);
      for (int i = 0; i < e.getValueCount(); i++) {
        require(child(path, ENUM_VALUE, i), "enum value " + name + "." + e.getValue(i).getName());
      }
    }

    void service(ServiceDescriptorProto s, List<Integer> path) {
      require(path, "service " + s.getName());
      for (int i = 0; i < s.getMethodCount(); i++) {
        require(child(path, SERVICE_METHOD, i), "rpc " + s.getName() + "." + s.getMethod(i).getName());
      }
    }
  }
}
