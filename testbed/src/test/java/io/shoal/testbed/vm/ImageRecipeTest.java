package io.shoal.testbed.vm;

import static org.assertj.core.api.Assertions.assertThat;

import io.shoal.testbed.Requirements;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The image cache key: {@code image.sh --paths} names the debootstrap tree and the image a recipe
 * builds, so these tests change a copy of the recipe and watch which key moves, without building.
 */
class ImageRecipeTest {
    private static final Path VM = Path.of("vm").toAbsolutePath();
    private static final Duration LIMIT = Duration.ofSeconds(30);

    private Path copy;

    @BeforeEach
    void copyTheRecipe() throws IOException {
        copy = Files.createTempDirectory("shoal-vm-recipe");
        try (Stream<Path> files = Files.walk(VM)) {
            for (Path from : files.toList()) {
                Path to = copy.resolve(VM.relativize(from).toString());
                if (Files.isDirectory(from)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    @AfterEach
    void removeTheCopy() throws IOException {
        try (Stream<Path> files = Files.walk(copy)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void keyDependsOnContentNotOnWhereTheRecipeLives() {
        assertThat(paths(copy)).isEqualTo(paths(VM));
    }

    @Test
    void changingAGuestFileRebuildsTheImageButNotTheDebootstrapTree() throws IOException {
        List<String> before = paths(copy);
        Path inittab = copy.resolve("guest/etc/inittab");
        Files.writeString(inittab, Files.readString(inittab) + "# changed\n");

        List<String> after = paths(copy);

        assertThat(after.get(0)).as("debootstrap tree").isEqualTo(before.get(0));
        assertThat(after.get(1)).as("image").isNotEqualTo(before.get(1));
    }

    @Test
    void changingThePackageListRebuildsTheTree() throws IOException {
        List<String> before = paths(copy);
        Path script = copy.resolve("image.sh");
        Files.writeString(script, Files.readString(script).replace(" socat curl)", " socat curl tcpdump)"));

        List<String> after = paths(copy);

        assertThat(after.get(0)).as("debootstrap tree").isNotEqualTo(before.get(0));
        assertThat(after.get(1)).as("image").isNotEqualTo(before.get(1));
    }

    @Test
    void unknownArgumentIsRejectedWithUsage() {
        Command.Result result =
                Command.run(LIMIT, List.of(VM.resolve("image.sh").toString(), "--rebuild"));

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.stderr()).contains("unknown argument '--rebuild'").contains("usage: image.sh");
    }

    @Test
    @Tag("integration")
    void unchangedRecipeReusesTheCachedImage() throws IOException {
        Requirements.requireRoot();
        Command.Result first = Command.run(
                Duration.ofMinutes(15), List.of(VM.resolve("image.sh").toString()));
        assertThat(first.ok()).as(first.describe()).isTrue();
        Path image = Path.of(first.stdout().strip());
        FileTime built = Files.getLastModifiedTime(image);

        Command.Result second =
                Command.run(LIMIT, List.of(VM.resolve("image.sh").toString()));

        assertThat(second.ok()).as(second.describe()).isTrue();
        assertThat(Path.of(second.stdout().strip())).isEqualTo(image);
        assertThat(Files.getLastModifiedTime(image)).isEqualTo(built);
        assertThat(second.stderr()).doesNotContain("built");
        assertThat(image.resolveSibling(image.getFileName().toString().replace(".ext4", ".vmlinuz")))
                .isRegularFile();
    }

    private static List<String> paths(Path recipe) {
        Command.Result result =
                Command.run(LIMIT, List.of(recipe.resolve("image.sh").toString(), "--paths"));
        assertThat(result.ok()).as(result.describe()).isTrue();
        List<String> lines = result.stdout().lines().toList();
        assertThat(lines).hasSize(2);
        return lines;
    }
}
