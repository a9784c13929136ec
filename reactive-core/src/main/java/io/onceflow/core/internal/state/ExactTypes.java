package io.onceflow.core.internal.state;

import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.Month;
import java.time.MonthDay;
import java.time.Period;
import java.time.Year;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.type.TypeFactory;

/**
 * Decides which types the state mapper round-trips exactly by construction, so that their values need no check: a
 * value of any other type is decoded again after it is encoded and compared with itself.
 *
 * <p>Exact: primitives and their boxes, strings, {@code BigDecimal} (scale kept) and {@code BigInteger}, enums,
 * {@code UUID}, the plain {@code java.time} values, {@code Optional}s, arrays, lists, sets and maps of exact types
 * (maps keyed by strings, whole numbers, enums or {@code UUID}s), and records whose components are all exact, their
 * type arguments resolved. Not exact: {@code Object} and abstract types (what comes back depends on type ids), type
 * variables left unresolved (an erased {@code HashMap}), beans (their properties are what Jackson finds), zoned
 * times (normalised to UTC on the way back).
 */
final class ExactTypes {

    private ExactTypes() {}

    /** Scalars: immutable, and written as JSON and read back exactly. */
    static final Set<Class<?>> SCALARS = Set.of(
            Boolean.class,
            Character.class,
            Byte.class,
            Short.class,
            Integer.class,
            Long.class,
            Float.class,
            Double.class,
            String.class,
            BigDecimal.class,
            BigInteger.class,
            UUID.class,
            Instant.class,
            LocalDate.class,
            LocalDateTime.class,
            LocalTime.class,
            Duration.class,
            Period.class,
            Year.class,
            YearMonth.class,
            MonthDay.class,
            DayOfWeek.class,
            Month.class);

    private static final Set<Class<?>> MAP_KEYS = Set.of(
            String.class,
            Byte.class,
            Short.class,
            Integer.class,
            Long.class,
            Boolean.class,
            Character.class,
            UUID.class);

    private static final Set<Class<?>> COLLECTIONS = Set.of(
            Collection.class,
            List.class,
            Set.class,
            SortedSet.class,
            NavigableSet.class,
            ArrayList.class,
            LinkedList.class,
            HashSet.class,
            LinkedHashSet.class,
            TreeSet.class);

    private static final Set<Class<?>> MAPS =
            Set.of(Map.class, SortedMap.class, NavigableMap.class, HashMap.class, LinkedHashMap.class, TreeMap.class);

    /** Whether every value of {@code type} decodes to an equal value. */
    static boolean isExact(JavaType type) {
        return isExact(type, new HashSet<>());
    }

    private static boolean isExact(JavaType type, Set<JavaType> visiting) {
        Class<?> raw = type.getRawClass();
        if (type.isPrimitive() || SCALARS.contains(raw) || type.isEnumType()) {
            return true;
        }
        if (type.isArrayType()) {
            JavaType component = type.getContentType();
            return component.isPrimitive() || (component.isFinal() && isExact(component, visiting));
        }
        if (raw == java.util.Optional.class) {
            return isExact(type.containedTypeOrUnknown(0), visiting);
        }
        if (type.isCollectionLikeType()) {
            return COLLECTIONS.contains(raw) && isExact(type.getContentType(), visiting);
        }
        if (type.isMapLikeType()) {
            JavaType key = type.getKeyType();
            return MAPS.contains(raw)
                    && (MAP_KEYS.contains(key.getRawClass()) || key.isEnumType())
                    && isExact(type.getContentType(), visiting);
        }
        if (!type.isRecordType()) {
            return false;
        }
        if (!visiting.add(type)) {
            return true; // a record that contains itself: exact if the rest of it is
        }
        TypeFactory types = StateJson.TYPED.getTypeFactory();
        for (RecordComponent component : raw.getRecordComponents()) {
            JavaType resolved = types.resolveMemberType(component.getGenericType(), type.getBindings());
            if (!isExact(resolved, visiting)) {
                return false;
            }
        }
        return true;
    }
}
