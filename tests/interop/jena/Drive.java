// Apache Jena's Java API against esskg, run as a single-file program (java -cp JENA Drive.java).
// One JVM does what an application does with RDFConnection: a SELECT, an ASK, a CONSTRUCT,
// an update and a Graph Store round trip (PUT, GET, DELETE), writing with the key over the
// HTTP challenge (AuthEnv). Each answer goes to a file of OUT for the Python side to compare.
//
// args: BASE KEY SELECT ASK CONSTRUCT UPDATE GRAPH OUT
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.jena.http.auth.AuthEnv;
import org.apache.jena.query.QueryExecution;
import org.apache.jena.query.ResultSetFormatter;
import org.apache.jena.rdf.model.Model;
import org.apache.jena.rdf.model.ModelFactory;
import org.apache.jena.rdfconnection.RDFConnection;
import org.apache.jena.rdfconnection.RDFConnectionRemote;

public class Drive {
    public static void main(String[] args) throws Exception {
        String base = args[0], key = args[1], graph = args[6];
        Path out = Path.of(args[7]);
        AuthEnv.get().registerUsernamePassword(URI.create(base + "/"), "admin", key);
        try (RDFConnection conn = RDFConnectionRemote.newBuilder()
                .destination(base)
                .queryEndpoint("sparql")
                .updateEndpoint("sparql")
                .gspEndpoint("graphs")
                .build()) {
            try (QueryExecution select = conn.query(args[2]);
                 OutputStream file = new FileOutputStream(out.resolve("select.json").toFile())) {
                ResultSetFormatter.outputAsJSON(file, select.execSelect());
            }
            Files.writeString(out.resolve("ask.txt"), Boolean.toString(conn.queryAsk(args[3])));
            try (OutputStream file = new FileOutputStream(out.resolve("construct.nt").toFile())) {
                conn.queryConstruct(args[4]).write(file, "N-TRIPLES");
            }
            conn.update(args[5]);
            Model model = ModelFactory.createDefaultModel();
            model.read(new StringReader(
                "<" + graph + "#it> <http://www.w3.org/2000/01/rdf-schema#label> \"écrit par Jena\"@fr ."),
                null, "N-TRIPLES");
            conn.put(graph, model);
            try (OutputStream file = new FileOutputStream(out.resolve("fetched.nt").toFile())) {
                conn.fetch(graph).write(file, "N-TRIPLES");
            }
            conn.delete(graph);
            Files.writeString(out.resolve("done.txt"), "done", StandardCharsets.UTF_8);
        }
    }
}
