# smoops_add_plugin(<target> SOURCES <files>...)
# Builds a smoops plugin: a MODULE library linked to smoops::sdk with hidden visibility (only the
# entry symbol exported by SMOOPS_PLUGIN is visible). In the smoops tree the library lands in
# build/plugins and installs under lib/smoops/plugins; out of tree it installs under
# SMOOPS_PLUGIN_INSTALL_DIR when that is set.
function(smoops_add_plugin target)
  cmake_parse_arguments(ARG "" "" "SOURCES" ${ARGN})
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE smoops::sdk)
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(DEFINED SMOOPS_WARNINGS)
    target_compile_options(${target} PRIVATE ${SMOOPS_WARNINGS})
  endif()
  if(DEFINED SMOOPS_PLUGIN_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${SMOOPS_PLUGIN_OUTPUT_DIR})
  endif()
  if(DEFINED SMOOPS_PLUGIN_INSTALL_DIR)
    install(TARGETS ${target} LIBRARY DESTINATION ${SMOOPS_PLUGIN_INSTALL_DIR})
  endif()
endfunction()
