package io.github.broadcast;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/** RFC 7386: the appendix's examples, and diffs that apply back to their target. */
final class MergePatchTest {

  private static final ObjectMapper mapper = new ObjectMapper();

  private static JsonNode json(String text) {
    return mapper.readTree(text.replace('\'', '"'));
  }

  /** RFC 7386, appendix A, every row (the last two on an object target, as a session is). */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "{'a':'b'}                 | {'a':'c'}              | {'a':'c'}",
        "{'a':'b'}                 | {'b':'c'}              | {'a':'b','b':'c'}",
        "{'a':'b'}                 | {'a':null}             | {}",
        "{'a':'b','b':'c'}         | {'a':null}             | {'b':'c'}",
        "{'a':['b']}               | {'a':'c'}              | {'a':'c'}",
        "{'a':'c'}                 | {'a':['b']}            | {'a':['b']}",
        "{'a':{'b':'c'}}           | {'a':{'b':'d','c':null}} | {'a':{'b':'d'}}",
        "{'a':[{'b':'c'}]}         | {'a':[1]}              | {'a':[1]}",
        "['a','b']                 | ['c','d']              | ['c','d']",
        "{'a':'b'}                 | ['c']                  | ['c']",
        "{'a':'foo'}               | null                   | null",
        "{'a':'foo'}               | 'bar'                  | 'bar'",
        "{'e':null}                | {'a':1}                | {'e':null,'a':1}",
        "[1,2]                     | {'a':'b','c':null}     | {'a':'b'}",
        "{}                        | {'a':{'bb':{'ccc':null}}} | {'a':{'bb':{}}}",
      })
  void appliesTheRfcExamples(String target, String patch, String result) {
    assertThat(MergePatch.apply(json(target), json(patch))).isEqualTo(json(result));
  }

  /** A diff, applied to its source, gives its target exactly; unchanged members are left out. */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "{'status':'idle','n':1,'cwd':'/a'}  | {'status':'working','n':2,'cwd':'/a'} |"
            + " {'status':'working','n':2}",
        "{'a':1,'b':2}                       | {'a':1}                               | {'b':null}",
        "{'t':{'x':1,'y':2}}                 | {'t':{'x':1,'y':3,'z':[1,null]}}      |"
            + " {'t':{'y':3,'z':[1,null]}}",
        "{'t':[1,2]}                         | {'t':{'k':'v'}}                       |"
            + " {'t':{'k':'v'}}",
        "{'a':1}                             | {'a':1}                               | {}",
        "{'session_id':'x','version':3,'a':1} | {'a':1}                              | {}",
      })
  void diffsApplyBackToTheirTarget(String from, String to, String expected) {
    ObjectNode patch = MergePatch.diff((ObjectNode) json(from), (ObjectNode) json(to));
    assertThat(patch).isEqualTo(json(expected));
    ObjectNode target = ((ObjectNode) json(to)).deepCopy();
    target.remove("session_id");
    target.remove("version");
    ObjectNode source = ((ObjectNode) json(from)).deepCopy();
    source.remove("session_id");
    source.remove("version");
    assertThat(MergePatch.apply(source, patch)).isEqualTo(target);
  }

  /** A merge patch cannot set a member to null: such a change has no patch, and goes whole. */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "{'a':1}          | {'a':null}",
        "{}               | {'a':null}",
        "{'t':{'x':1}}    | {'t':{'x':null}}",
        "{'t':1}          | {'t':{'x':null}}",
      })
  void aNullWhereTheyDiffer_hasNoPatch(String from, String to) {
    assertThat(MergePatch.diff((ObjectNode) json(from), (ObjectNode) json(to))).isNull();
  }
}
