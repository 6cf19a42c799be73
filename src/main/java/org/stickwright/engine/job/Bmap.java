package org.stickwright.engine.job;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.stickwright.engine.io.BadImageException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * A bmaptool block map: which blocks of a mostly empty image hold data, with a checksum per
 * range, so only those are written and verified.
 * <pre>
 * &lt;bmap version="2.0"&gt;
 *   &lt;ImageSize&gt; 4294967296 &lt;/ImageSize&gt;          bytes
 *   &lt;BlockSize&gt; 4096 &lt;/BlockSize&gt;
 *   &lt;BlocksCount&gt; 1048576 &lt;/BlocksCount&gt;
 *   &lt;MappedBlocksCount&gt; 104858 &lt;/MappedBlocksCount&gt;
 *   &lt;ChecksumType&gt; sha256 &lt;/ChecksumType&gt;         (version 1.x: sha1, no element)
 *   &lt;BmapFileChecksum&gt; 3f…(64 hex) &lt;/BmapFileChecksum&gt;   (1.x: BmapFileSHA1)
 *   &lt;BlockMap&gt;
 *     &lt;Range chksum="9a…"&gt; 0-255 &lt;/Range&gt;           blocks 0 to 255 inclusive
 *     &lt;Range chksum="c1…"&gt; 1000 &lt;/Range&gt;            block 1000 alone
 *   &lt;/BlockMap&gt;
 * &lt;/bmap&gt;
 * </pre>
 * The file's own checksum is taken over the file with that checksum's digits replaced by zeros.
 * A range's checksum covers its bytes, the last block cut at the image's size.
 */
public record Bmap(long imageSize, int blockSize, String checksumAlgorithm, List<Range> ranges) {

    /** Blocks {@code first..last} inclusive and the hex digest of their bytes. */
    public record Range(long firstBlock, long lastBlock, String checksum) {
    }

    /** Byte offset where {@code range} starts. */
    public long start(Range range) {
        return range.firstBlock() * blockSize;
    }

    /** Byte length of {@code range}, cut at the image's end. */
    public long length(Range range) {
        return Math.min((range.lastBlock() + 1) * blockSize, imageSize) - start(range);
    }

    /** Bytes the ranges cover. */
    public long mappedBytes() {
        return ranges.stream().mapToLong(this::length).sum();
    }

    /** Reads and checks {@code path}; any inconsistency is a {@link BadImageException}. */
    public static Bmap read(Path path) throws BadImageException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (IOException e) {
            throw new BadImageException(path + ": cannot read bmap file (" + e.getMessage() + ")");
        }
        try {
            return parse(bytes, path.toString());
        } catch (ParserConfigurationException | SAXException | IOException | RuntimeException e) {
            throw new BadImageException(path + ": not a valid bmap file (" + e.getMessage() + ")", e);
        }
    }

    static Bmap parse(byte[] bytes, String name)
            throws ParserConfigurationException, SAXException, IOException {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Document doc = factory.newDocumentBuilder().parse(new ByteArrayInputStream(bytes));
        Element root = doc.getDocumentElement();
        if (!"bmap".equals(root.getTagName())) {
            throw new BadImageException(name + ": root element is <" + root.getTagName() + ">, not <bmap>");
        }
        int major = Integer.parseInt(root.getAttribute("version").trim().split("\\.")[0]);
        if (major < 1 || major > 2) {
            throw new BadImageException(name + ": bmap version " + root.getAttribute("version") + " is not supported");
        }
        long imageSize = Long.parseLong(text(root, "ImageSize", name));
        int blockSize = Integer.parseInt(text(root, "BlockSize", name));
        long blocksCount = Long.parseLong(text(root, "BlocksCount", name));
        if (blockSize <= 0 || blockSize % 512 != 0 || imageSize < 0
                || blocksCount != (imageSize + blockSize - 1) / blockSize) {
            throw new BadImageException(name + ": inconsistent ImageSize/BlockSize/BlocksCount");
        }
        String algorithm = major == 1 ? "SHA-1" : javaName(text(root, "ChecksumType", name), name);
        String fileChecksum = text(root, major == 1 ? "BmapFileSHA1" : "BmapFileChecksum", name);
        checkFileChecksum(bytes, fileChecksum, algorithm, name);

        List<Range> ranges = new ArrayList<>();
        NodeList nodes = root.getElementsByTagName("Range");
        long previousEnd = -1;
        for (int i = 0; i < nodes.getLength(); i++) {
            Element e = (Element) nodes.item(i);
            String[] bounds = e.getTextContent().trim().split("-");
            long first = Long.parseLong(bounds[0].trim());
            long last = bounds.length > 1 ? Long.parseLong(bounds[1].trim()) : first;
            if (first <= previousEnd || last < first || last >= blocksCount) {
                throw new BadImageException(name + ": range " + e.getTextContent().trim()
                        + " overlaps, is out of order, or lies beyond the image's " + blocksCount + " blocks");
            }
            previousEnd = last;
            ranges.add(new Range(first, last, e.getAttribute("chksum").trim().toLowerCase()));
        }
        return new Bmap(imageSize, blockSize, algorithm, List.copyOf(ranges));
    }

    private static void checkFileChecksum(byte[] bytes, String expected, String algorithm, String name)
            throws BadImageException {
        String xml = new String(bytes, StandardCharsets.UTF_8);
        String zeroed = xml.replace(expected, "0".repeat(expected.length()));
        String actual = HexFormat.of().formatHex(digest(algorithm).digest(zeroed.getBytes(StandardCharsets.UTF_8)));
        if (!actual.equalsIgnoreCase(expected)) {
            throw new BadImageException(name + ": the bmap file's own checksum does not match (file damaged or edited)");
        }
    }

    /** A new digest of this bmap's algorithm. */
    public MessageDigest newDigest() {
        return digest(checksumAlgorithm);
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is part of every JDK", e);
        }
    }

    private static String javaName(String type, String name) throws BadImageException {
        return switch (type.toLowerCase()) {
            case "sha256" -> "SHA-256";
            case "sha1" -> "SHA-1";
            default -> throw new BadImageException(name + ": checksum type '" + type + "' is not supported");
        };
    }

    private static String text(Element root, String tag, String name) throws BadImageException {
        NodeList list = root.getElementsByTagName(tag);
        if (list.getLength() == 0) {
            throw new BadImageException(name + ": element <" + tag + "> is missing");
        }
        return list.item(0).getTextContent().trim();
    }
}
