package io.shoal.dns.resolve;

/**
 * What the resolver decided for one question: answer it from the table (with data, or NODATA for
 * a known name without records of the asked type), forward it upstream, or refuse it with an rcode.
 */
public final class Resolution {
    /** The decision. */
    public enum Kind {
        /** A known name with records of the asked type. */
        ANSWER,
        /** A known name without records of the asked type: NOERROR, empty answer, never forwarded. */
        NODATA,
        /** Not one of Shoal's names: ask the upstream resolvers. */
        FORWARD,
        /** A zone transfer or a class other than IN: REFUSED. */
        REFUSED,
        /** MAILA/MAILB: NOTIMP. */
        NOTIMP,
        /** A meta type that cannot be a question (OPT): FORMERR. */
        FORMERR
    }

    static final Resolution NODATA = new Resolution(Kind.NODATA, null, null);
    static final Resolution FORWARD = new Resolution(Kind.FORWARD, null, null);
    static final Resolution REFUSED = new Resolution(Kind.REFUSED, null, null);
    static final Resolution NOTIMP = new Resolution(Kind.NOTIMP, null, null);
    static final Resolution FORMERR = new Resolution(Kind.FORMERR, null, null);

    private final Kind kind;
    final NameEntry entry;
    final PtrEntry ptr;

    private Resolution(Kind kind, NameEntry entry, PtrEntry ptr) {
        this.kind = kind;
        this.entry = entry;
        this.ptr = ptr;
    }

    static Resolution answer(NameEntry entry) {
        return new Resolution(Kind.ANSWER, entry, null);
    }

    static Resolution answer(PtrEntry ptr) {
        return new Resolution(Kind.ANSWER, null, ptr);
    }

    public Kind kind() {
        return kind;
    }

    @Override
    public String toString() {
        return "Resolution{" + kind + "}";
    }
}
